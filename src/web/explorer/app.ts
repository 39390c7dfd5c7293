/**
 * The network explorer: bonded nodes, layers, bonds and the epoch from nym-api (read
 * cross-origin; nym-api allows this page's origin), packet rates, credentials and chain
 * height from the page's own server (`/explorer/state.json`), redrawn every two seconds
 * without reloading. One SVG path per pair of layers keeps 100 nodes and their links cheap.
 */
const SVG = 'http://www.w3.org/2000/svg';
const REFRESH_MS = 2000;
/** Above this many links between two layers, links are drawn as fans (see drawTopology). */
const FULL_LINKS = 200;

interface Coin {
  amount: string;
  denom: string;
}
interface MixnodeDetailed {
  mixnode_details: {
    bond_information: {
      mix_id: number;
      layer: number;
      owner: string;
      original_pledge: Coin;
      is_unbonding: boolean;
      mix_node: { identity_key: string; host: string; mix_port: number };
    };
  };
}
interface GatewayBond {
  owner: string;
  pledge_amount: Coin;
  gateway: { identity_key: string; host: string; mix_port: number; clients_port: number };
}
interface Epoch {
  current_epoch_id: number;
  current_epoch_start: string;
  epoch_length: { secs: number; nanos: number };
}
interface NodeState {
  name: string;
  kind: 'mixnode' | 'gateway';
  up: boolean;
  packetsPerSecond: number;
}
interface State {
  atMs: number;
  chain: { height: number | null };
  credentials: { issued: number; spent: number; blindSignatures: number };
  nodes: Record<string, NodeState>;
}
interface Network {
  nymApis: string[];
}

interface Row {
  id: string;
  name: string;
  role: string;
  column: number;
  owner: string;
  bond: string;
  status: string;
  pps: number;
  up: boolean;
}

const $ = (id: string) => document.getElementById(id)!;
let epochEnd = 0;
let apiIndex = 0;

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** One nym-api after the other: the next one when the current does not answer. */
async function fromApi<T>(apis: string[], path: string): Promise<T> {
  let last: unknown;
  for (let i = 0; i < apis.length; i++) {
    const api = apis[(apiIndex + i) % apis.length];
    try {
      return await getJson<T>(`${api}${path}`);
    } catch (e) {
      last = e;
      apiIndex = (apiIndex + 1) % apis.length;
    }
  }
  throw last;
}

const nym = (c: Coin) =>
  `${(Number(c.amount) / 1e6).toLocaleString()} ${c.denom === 'unym' ? 'NYM' : c.denom}`;
const short = (s: string) => `${s.slice(0, 6)}…${s.slice(-4)}`;

function rowsOf(mixnodes: MixnodeDetailed[], gateways: GatewayBond[], active: Set<string>, st: State): Row[] {
  const rows: Row[] = [];
  for (const g of gateways) {
    const id = g.gateway.identity_key;
    const s = st.nodes[id];
    rows.push({
      id,
      name: s?.name ?? short(id),
      role: 'gateway',
      column: 0,
      owner: g.owner,
      bond: nym(g.pledge_amount),
      status: s ? (s.up ? 'online' : 'unreachable') : 'bonded',
      pps: s?.packetsPerSecond ?? 0,
      up: !!s?.up,
    });
  }
  for (const m of mixnodes) {
    const b = m.mixnode_details.bond_information;
    const id = b.mix_node.identity_key;
    const s = st.nodes[id];
    const set = b.is_unbonding ? 'unbonding' : active.has(id) ? 'active' : 'standby';
    rows.push({
      id,
      name: s?.name ?? `mix ${b.mix_id}`,
      role: `layer ${b.layer}`,
      column: b.layer,
      owner: b.owner,
      bond: nym(b.original_pledge),
      status: s && !s.up ? `${set}, unreachable` : set,
      pps: s?.packetsPerSecond ?? 0,
      up: !!s?.up,
    });
  }
  return rows;
}

function svgEl(name: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Columns: gateways, layer 1, 2, 3, and the gateways again as exits; full links between neighbours. */
function drawTopology(rows: Row[]): void {
  const svg = $('topo') as unknown as SVGSVGElement;
  const cols: Row[][] = [[], [], [], [], []];
  for (const r of rows) cols[r.column].push(r);
  cols[4] = cols[0];
  const most = Math.max(1, ...cols.map((c) => c.length));
  const rowGap = most > 20 ? 14 : most > 8 ? 26 : 48;
  const height = Math.max(220, most * rowGap + 70);
  const width = 1100;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const x = (c: number) => 90 + (c * (width - 180)) / 4;
  const y = (i: number, n: number) => 50 + ((i + 0.5) * (height - 70)) / n;
  const maxPps = Math.max(1, ...rows.map((r) => r.pps));
  svg.replaceChildren();
  const titles = ['gateways', 'layer 1', 'layer 2', 'layer 3', 'gateways (exit)'];
  titles.forEach((t, c) =>
    svg.append(Object.assign(svgEl('text', { x: x(c), y: 22, class: 'col-title' }), { textContent: t })),
  );
  // every link between neighbouring layers; past FULL_LINKS pairs (a 100-node network has
  // over a thousand per pair), each node fans to the middle of the next layer instead
  let d = '';
  for (let c = 0; c < 4; c++) {
    const a = cols[c];
    const b = cols[c + 1];
    if (a.length * b.length <= FULL_LINKS) {
      for (let i = 0; i < a.length; i++)
        for (let j = 0; j < b.length; j++) d += `M${x(c)} ${y(i, a.length)}L${x(c + 1)} ${y(j, b.length)}`;
      continue;
    }
    const mid = (x(c) + x(c + 1)) / 2;
    const centre = (height + 30) / 2;
    for (let i = 0; i < a.length; i++) d += `M${x(c)} ${y(i, a.length)}L${mid} ${centre}`;
    for (let j = 0; j < b.length; j++) d += `M${mid} ${centre}L${x(c + 1)} ${y(j, b.length)}`;
  }
  svg.append(svgEl('path', { d, class: 'links' }));
  const radius = most > 20 ? 5 : 9;
  cols.forEach((col, c) =>
    col.forEach((r, i) => {
      const heat = r.pps / maxPps;
      const fill = !r.up ? '#f85149' : `hsl(${260 - heat * 90}, 85%, ${45 + heat * 20}%)`;
      const circle = svgEl('circle', {
        cx: x(c),
        cy: y(i, col.length),
        r: radius + heat * radius * 0.8,
        fill,
        'data-identity': r.id,
      });
      const title = svgEl('title', {});
      title.textContent = `${r.name} · ${r.role} · ${r.pps} packets/s`;
      circle.append(title);
      svg.append(circle);
      if (most <= 12)
        svg.append(
          Object.assign(svgEl('text', { x: x(c), y: y(i, col.length) + radius + 14, class: 'lbl' }), {
            textContent: r.name,
          }),
        );
    }),
  );
}

function drawTable(rows: Row[]): void {
  const filter = ($('filter') as HTMLInputElement).value.trim().toLowerCase();
  const maxPps = Math.max(1, ...rows.map((r) => r.pps));
  const body = $('rows');
  const out: HTMLTableRowElement[] = [];
  for (const r of rows) {
    if (filter && ![r.name, r.id, r.owner, r.role].some((s) => s.toLowerCase().includes(filter))) continue;
    const tr = document.createElement('tr');
    tr.dataset.identity = r.id;
    tr.dataset.pps = String(r.pps);
    const cells = [r.name, r.role, short(r.id), short(r.owner), r.bond];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    tr.children[2].setAttribute('title', r.id);
    tr.children[3].setAttribute('title', r.owner);
    tr.children[2].className = 'mono';
    tr.children[3].className = 'mono';
    const status = document.createElement('td');
    const p = document.createElement('span');
    p.className = `pill ${r.up ? (r.status.startsWith('active') || r.status === 'online' ? 'ok' : 'warn') : 'bad'}`;
    p.textContent = r.status;
    status.append(p);
    const pps = document.createElement('td');
    pps.textContent = r.pps.toFixed(1);
    pps.dataset.testid = 'pps';
    const barCell = document.createElement('td');
    barCell.className = 'bar-cell';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${Math.round((r.pps / maxPps) * 100)}%`;
    barCell.append(bar);
    tr.append(status, pps, barCell);
    out.push(tr);
  }
  body.replaceChildren(...out);
}

function tickCountdown(): void {
  if (!epochEnd) return;
  const left = Math.max(0, Math.round((epochEnd - Date.now()) / 1000));
  const m = Math.floor(left / 60);
  const s = left % 60;
  $('countdown').textContent = `${m}:${String(s).padStart(2, '0')}`;
}

let lastRows: Row[] = [];

/** Each redraw's main-thread time as an `explorer:draw` measure (read by tests and DevTools); the last 100 kept. */
function markDraw(start: number): void {
  performance.measure('explorer:draw', { start, end: performance.now() });
  if (performance.getEntriesByName('explorer:draw').length > 100) performance.clearMeasures('explorer:draw');
}

async function refresh(net: Network): Promise<void> {
  const [mixnodes, gateways, activeSet, epoch, state] = await Promise.all([
    fromApi<MixnodeDetailed[]>(net.nymApis, '/v1/mixnodes/detailed'),
    fromApi<GatewayBond[]>(net.nymApis, '/v1/gateways'),
    fromApi<{ bond_information: { mix_node: { identity_key: string } } }[]>(
      net.nymApis,
      '/v1/mixnodes/active',
    ),
    fromApi<Epoch>(net.nymApis, '/v1/epoch/current'),
    getJson<State>('/explorer/state.json'),
  ]);
  const active = new Set(activeSet.map((m) => m.bond_information.mix_node.identity_key));
  const rows = rowsOf(mixnodes, gateways, active, state);
  lastRows = rows;
  $('epoch').textContent = String(epoch.current_epoch_id);
  epochEnd = Date.parse(epoch.current_epoch_start) + epoch.epoch_length.secs * 1000;
  tickCountdown();
  $('height').textContent = state.chain.height === null ? '–' : state.chain.height.toLocaleString();
  $('nodes').textContent = String(rows.length);
  $('pps').textContent = rows.reduce((a, r) => a + r.pps, 0).toFixed(1);
  $('issued').textContent = String(state.credentials.issued);
  $('spent').textContent = String(state.credentials.spent);
  const t0 = performance.now();
  drawTopology(rows);
  drawTable(rows);
  markDraw(t0);
  $('updated').textContent = `updated ${new Date(state.atMs).toLocaleTimeString()}`;
  const live = $('live');
  live.className = 'pill ok';
  live.textContent = 'live';
  live.dataset.updates = String(Number(live.dataset.updates ?? 0) + 1);
}

async function main(): Promise<void> {
  let net: Network;
  for (;;) {
    const r = await fetch('/network.json');
    if (r.ok) {
      net = (await r.json()) as Network;
      break;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
  ($('filter') as HTMLInputElement).addEventListener('input', () => drawTable(lastRows));
  setInterval(tickCountdown, 1000);
  for (;;) {
    // a hidden tab draws nothing; it catches up when shown
    if (document.hidden) {
      await new Promise((res) => setTimeout(res, REFRESH_MS));
      continue;
    }
    try {
      await refresh(net);
    } catch (e) {
      const live = $('live');
      live.className = 'pill bad';
      live.textContent = `stale: ${(e as Error).message}`;
    }
    await new Promise((res) => setTimeout(res, REFRESH_MS));
  }
}

void main();
