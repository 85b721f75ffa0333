// The standard gRPC health service (grpc.health.v1, from grpc-health-check) beside the ParameterServer, on the same
// port and with the same credentials (TLS when the server has it). Docker's HEALTHCHECK (docker/healthcheck.mjs),
// compose's service_healthy and Kubernetes' grpc probes ask it. It needs no token and no membership: it only says
// whether the server serves.
import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

/** '' is the whole server, as health checkers ask by default. */
const SERVICES = ['', 'signps.v1.ParameterServer'];

export interface Health {
  /** The run is over or the server stops: checkers see NOT_SERVING from now on. */
  stopServing(): void;
}

export function serveHealth(server: grpc.Server): Health {
  const health = new HealthImplementation(Object.fromEntries(SERVICES.map((name) => [name, 'SERVING'])));
  health.addToServer(server);
  return { stopServing: () => SERVICES.forEach((name) => health.setStatus(name, 'NOT_SERVING')) };
}
