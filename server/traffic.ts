// Payload bytes that crossed the wire, by direction, and what float32 gradients would have cost.
export class TrafficCounter {
  uplinkBytes = 0;
  downlinkBytes = 0;
  uplinkMessages = 0;
  downlinkMessages = 0;

  countUplink(bytes: number): void {
    this.uplinkBytes += bytes;
    this.uplinkMessages += 1;
  }

  countDownlink(bytes: number): void {
    this.downlinkBytes += bytes;
    this.downlinkMessages += 1;
  }
}
