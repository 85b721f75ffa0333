// The dashboard page's script (plain browser JavaScript, no build step): follows the run's server-sent events,
// keeps the numbers current at every event, and redraws the Vega-Lite charts at most a few times a second.
// Raw values sit in data-value attributes beside the formatted text, for tests and scripts.
/* global vega, vegaEmbed */
'use strict';

const token = new URLSearchParams(location.search).get('token');
const withToken = (path) => (token ? `${path}?token=${encodeURIComponent(token)}` : path);
// Disjoint parts of a round; compute, encode and transfer split `workers` when the workers report their times.
const PHASES = ['compute', 'encode', 'transfer', 'workers', 'wait', 'aggregate', 'publish'];
const REDRAW_MS = 300;

const state = { settings: {}, rounds: [], workers: [], refusals: {}, summary: undefined };
const views = {};
let redrawTimer;

function $(id) {
  return document.getElementById(id);
}

function show(id, text, value) {
  const element = $(id);
  element.textContent = text;
  if (value !== undefined) element.dataset.value = String(value);
}

function formatBytes(bytes) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) {
    bytes /= 1000;
    i += 1;
  }
  return `${bytes.toFixed(i === 0 ? 0 : 2)} ${units[i]}`;
}

function formatDuration(ms) {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function setStatus(stateName, text) {
  $('status').dataset.state = stateName;
  $('status').textContent = text;
}

function showSettings() {
  const s = state.settings;
  $('title').textContent = `signps — ${s.method} on ${s.problem ?? s.model}, ${s.workers} workers`;
  show('rounds', String(s.rounds), s.rounds);
  const body = $('settings').tBodies[0];
  body.replaceChildren(
    ...Object.entries(s).map(([key, value]) => {
      const row = document.createElement('tr');
      const name = document.createElement('th');
      const cell = document.createElement('td');
      name.textContent = key;
      cell.textContent = typeof value === 'object' && value !== null
        ? Object.entries(value).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')
        : String(value);
      row.append(name, cell);
      return row;
    }),
  );
}

/** The latest round's numbers; called at every round event. */
function showLatest() {
  const rows = state.rounds;
  const last = rows[rows.length - 1];
  if (!last) return;
  const done = last.round + 1;
  const planned = state.settings.rounds;
  show('round', String(done), done);
  $('progress').value = done / planned;
  if (Number.isFinite(last.meanLoss)) show('loss', last.meanLoss.toFixed(4), last.meanLoss);
  const evaluated = [...rows].reverse().find((r) => r.evaluation);
  if (evaluated) {
    const { testAccuracy, ...others } = evaluated.evaluation;
    if (testAccuracy !== undefined) show('accuracy', `${(100 * testAccuracy).toFixed(2)}%`, testAccuracy);
    show('evaluation', `at round ${evaluated.round + 1}` + Object.entries(others).map(([k, v]) => `, ${k} ${Number(v).toPrecision(4)}`).join(''));
  }
  show('bytes-up', formatBytes(last.uplinkBytes), last.uplinkBytes);
  show('bytes-down', formatBytes(last.downlinkBytes), last.downlinkBytes);
  show('bytes-float32', formatBytes(last.float32Bytes), last.float32Bytes);
  if (last.uplinkBytes > 0) show('compression', `${(last.float32Bytes / last.uplinkBytes).toFixed(1)}× less up`);
  show('elapsed', `${formatDuration(last.elapsedMs)} elapsed`);
  // ETA from the last 20 rounds' pace.
  const earlier = rows[Math.max(0, rows.length - 21)];
  const pace = (last.elapsedMs - earlier.elapsedMs) / Math.max(1, last.round - earlier.round);
  show('eta', done >= planned ? 'done' : rows.length > 1 ? formatDuration(pace * (planned - done)) : '–');
  if (!state.summary) setStatus('training', 'training');
}

function showWorkers() {
  $('workers').tBodies[0].replaceChildren(
    ...state.workers.map((w) => {
      const row = document.createElement('tr');
      for (const [key, value] of [['id', w.workerId], ['name', w.name], ['shard', w.shard], ['state', w.state], ['lastRound', w.lastRound === undefined ? '–' : w.lastRound + 1], ['refused', w.refused]]) {
        const cell = document.createElement('td');
        cell.textContent = String(value);
        cell.dataset.key = key;
        if (key === 'state') cell.dataset.state = w.state;
        row.append(cell);
      }
      return row;
    }),
  );
  const refusals = Object.entries(state.refusals);
  $('refusals').replaceChildren(
    ...(refusals.length === 0 ? [['none']] : refusals.map(([what, count]) => [`${what}: ${count}`])).map(([text]) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    }),
  );
}

function showSummary() {
  const s = state.summary;
  setStatus('finished', `finished: ${s.headline}`);
  show('eta', 'done');
  if (s.evaluation.testAccuracy !== undefined) show('accuracy', `${(100 * s.evaluation.testAccuracy).toFixed(2)}%`, s.evaluation.testAccuracy);
}

// ---- charts ----

const base = (mark, encoding, extra = {}) => ({
  width: 'container',
  height: 180,
  autosize: { type: 'fit-x', contains: 'padding', resize: true },
  data: { name: 'rows' },
  mark,
  encoding,
  ...extra,
});

const CHARTS = {
  'chart-loss': {
    spec: base({ type: 'line', tooltip: true }, {
      x: { field: 'round', type: 'quantitative', title: 'round' },
      y: { field: 'loss', type: 'quantitative', title: 'mean training loss', scale: { zero: false } },
    }),
    rows: () => state.rounds.filter((r) => Number.isFinite(r.meanLoss)).map((r) => ({ round: r.round + 1, loss: r.meanLoss })),
  },
  'chart-accuracy': {
    spec: base({ type: 'line', point: true, tooltip: true }, {
      x: { field: 'round', type: 'quantitative', title: 'round' },
      y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { domain: [0, 100] } },
    }),
    rows: () => state.rounds.filter((r) => r.evaluation?.testAccuracy !== undefined).map((r) => ({ round: r.round + 1, accuracy: 100 * r.evaluation.testAccuracy })),
  },
  'chart-bytes': {
    spec: base({ type: 'line', tooltip: true }, {
      x: { field: 'round', type: 'quantitative', title: 'round' },
      y: { field: 'bytes', type: 'quantitative', title: 'bytes so far', scale: { type: 'log' } },
      color: {
        field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' },
        scale: { domain: ['up', 'down', 'float32 (each way)'], range: ['#e45756', '#4c78a8', '#9d9d9d'] },
      },
      strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain: ['up', 'down', 'float32 (each way)'], range: [[1, 0], [4, 2], [1, 0]] } },
    }),
    rows: () => state.rounds.flatMap((r) => [
      { round: r.round + 1, series: 'up', bytes: r.uplinkBytes },
      { round: r.round + 1, series: 'down', bytes: r.downlinkBytes },
      { round: r.round + 1, series: 'float32 (each way)', bytes: r.float32Bytes },
    ]).filter((p) => p.bytes > 0),
  },
  'chart-phases': {
    spec: base({ type: 'bar', tooltip: true }, {
      x: { field: 'round', type: 'ordinal', title: 'round', axis: { labelOverlap: true } },
      y: { field: 'ms', type: 'quantitative', title: 'ms', stack: true },
      color: { field: 'phase', type: 'nominal', sort: PHASES, legend: { orient: 'bottom' } },
      order: { field: 'order', type: 'quantitative' },
    }),
    rows: () => state.rounds.filter((r) => r.phases).slice(-200).flatMap((r) =>
      PHASES.filter((phase) => (phase === 'workers' ? r.phases.computeMs === undefined : r.phases[`${phase}Ms`] !== undefined))
        .map((phase) => ({ round: r.round + 1, phase, order: PHASES.indexOf(phase), ms: r.phases[`${phase}Ms`] }))),
  },
  'chart-diagnostics': {
    spec: undefined, // chosen once the first diagnostics arrive: sign methods vote, float32 methods have a gap
    rows: () => {
      const last = [...state.rounds].reverse().find((r) => r.diagnostics);
      if (last?.diagnostics.agreementHistogram) {
        const m = last.diagnostics.agreementHistogram.length - 1;
        return last.diagnostics.agreementHistogram
          .map((coordinates, agreeing) => ({ agreeing: `${agreeing}/${m}`, at: agreeing, coordinates }))
          .filter((p) => p.at >= Math.ceil(m / 2));
      }
      return state.rounds.filter((r) => r.diagnostics?.meanMedianGap !== undefined).map((r) => ({ round: r.round + 1, gap: r.diagnostics.meanMedianGap }));
    },
  },
};

function diagnosticsSpec() {
  const last = state.rounds.find((r) => r.diagnostics);
  if (!last) return undefined;
  if (last.diagnostics.agreementHistogram) {
    $('diagnostics-title').textContent = 'Vote agreement: coordinates whose majority had a of M workers (latest)';
    return base({ type: 'bar', tooltip: true }, {
      x: { field: 'agreeing', type: 'ordinal', title: 'workers on the majority side', sort: { field: 'at' } },
      y: { field: 'coordinates', type: 'quantitative', title: 'coordinates' },
    });
  }
  $('diagnostics-title').textContent = 'Mean–median gap ‖mean − median‖₂ of the contributions';
  return base({ type: 'line', point: true, tooltip: true }, {
    x: { field: 'round', type: 'quantitative', title: 'round' },
    y: { field: 'gap', type: 'quantitative', title: 'gap' },
  });
}

async function redraw() {
  redrawTimer = undefined;
  CHARTS['chart-diagnostics'].spec ??= diagnosticsSpec();
  for (const [id, chart] of Object.entries(CHARTS)) {
    if (!chart.spec) continue;
    if (!views[id]) {
      views[id] = vegaEmbed(`#${id}`, chart.spec, { mode: 'vega-lite', renderer: 'svg', actions: false }).then((result) => result.view);
    }
    const view = await views[id];
    await view.change('rows', vega.changeset().remove(() => true).insert(chart.rows())).runAsync();
  }
  document.body.dataset.drawnRounds = String(state.rounds.length);
}

function scheduleRedraw() {
  redrawTimer ??= setTimeout(() => redraw().catch((error) => console.error(error)), REDRAW_MS);
}

// ---- events ----

const events = new EventSource(withToken('events'));
events.addEventListener('snapshot', (message) => {
  Object.assign(state, JSON.parse(message.data));
  showSettings();
  showWorkers();
  if (state.rounds.length === 0) setStatus('waiting', `waiting for ${state.settings.workers} workers`);
  showLatest();
  if (state.summary) showSummary();
  scheduleRedraw();
});
events.addEventListener('round', (message) => {
  state.rounds.push(JSON.parse(message.data).row);
  showLatest();
  scheduleRedraw();
});
events.addEventListener('workers', (message) => {
  const { workers, refusals } = JSON.parse(message.data);
  Object.assign(state, { workers, refusals });
  showWorkers();
});
events.addEventListener('finished', (message) => {
  state.summary = JSON.parse(message.data).summary;
  showSummary();
  scheduleRedraw();
});
events.addEventListener('error', () => {
  if (state.summary) {
    events.close(); // the run is over and its server gone: keep the final picture
    return;
  }
  setStatus('disconnected', 'disconnected; retrying…');
});
