/**
 * The chat page: one mixnet client per tab (in a Web Worker by default, `?worker=0` on the
 * page's main thread), its address kept in IndexedDB across reloads. Each tab takes the
 * first free storage slot (a Web Lock per slot), so two tabs are two addresses; `?name=`
 * picks a slot by name. Outgoing messages show their delivery state (sending, sent, acked
 * with the round trip, failed with the error's code); anonymous messages carry reply SURBs
 * and are answered through them.
 */
import { connect, type BrowserMixnetClient } from '../../sdk/browser.js';
import { connectInWorker, type WorkerMixnetClient } from '../../sdk/worker-client.js';

interface NetworkJson {
  nymApis: string[];
  mode: string;
  clients: { name: string; websocket: string; address: string }[];
}

interface ChatClient {
  readonly address: string;
  readonly backend: string;
  send(to: string, text: string): Promise<void>;
  sendAnonymous(to: string, text: string, opts: { replySurbs: number }): Promise<void>;
  reply(tag: string, text: string): Promise<void>;
  onMessage(cb: (m: { text(): string; senderTagString?: string }) => void): void;
  setIdle(idle: boolean): unknown;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

function setState(text: string, tone: 'ok' | 'warn' | 'bad' | 'info'): void {
  const el = $('state');
  el.textContent = text;
  el.className = `pill ${tone}`;
  el.dataset.state = text;
}

async function fetchNetwork(): Promise<NetworkJson> {
  for (;;) {
    const r = await fetch('/network.json');
    if (r.ok) return (await r.json()) as NetworkJson;
    setState('network starting', 'warn');
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** The first storage slot no other tab holds (held until this tab closes). */
async function claimSlot(): Promise<string> {
  const named = params.get('name');
  if (named) return named;
  if (!navigator.locks) return 'tab-1';
  for (let i = 1; ; i++) {
    const slot = `tab-${i}`;
    const got = await new Promise<boolean>((resolve) => {
      void navigator.locks.request(`nymph-chat-${slot}`, { ifAvailable: true }, (lock) => {
        resolve(!!lock);
        return lock ? new Promise<void>(() => undefined) : undefined; // held for the page's life
      });
    });
    if (got) return slot;
  }
}

async function startClient(net: NetworkJson, storage: string): Promise<ChatClient> {
  const mode = (params.get('mode') ?? net.mode) as 'localnet';
  const opts = { nymApi: net.nymApis, storage, config: { mode } };
  if (params.get('worker') !== '0') {
    const w: WorkerMixnetClient = await connectInWorker(
      new Worker('/sdk-worker.js', { type: 'module' }),
      opts,
    );
    return {
      address: w.address,
      backend: `${w.backend}, in a worker`,
      send: (to, t) => w.send(to, t),
      sendAnonymous: (to, t, o) => w.sendAnonymous(to, t, o),
      reply: (tag, t) => w.reply(tag, t),
      onMessage: (cb) => void w.onMessage(cb),
      setIdle: (idle) => w.setIdle(idle),
    };
  }
  const c: BrowserMixnetClient = await connect(opts);
  return {
    address: c.address,
    backend: `${c.backend}, main thread`,
    send: (to, t) => c.send(to, t),
    sendAnonymous: (to, t, o) => c.sendAnonymous(to, t, o),
    reply: (tag, t) => c.reply(tag, t),
    onMessage: (cb) => void c.onMessage(cb),
    setIdle: (idle) => c.setIdle(idle),
  };
}

/** The conversation of this slot, kept in localStorage so a reload shows it (and can still reply). */
interface LoggedMessage {
  dir: 'in' | 'out';
  text: string;
  senderTag?: string;
  kind?: string;
  state?: string;
}
let logKey = '';
const logged: LoggedMessage[] = [];
const saveLog = () => {
  try {
    localStorage.setItem(logKey, JSON.stringify(logged.slice(-200)));
  } catch {
    // storage full or refused: the conversation lives for this page only
  }
};
function loadLog(): LoggedMessage[] {
  try {
    const v = JSON.parse(localStorage.getItem(logKey) ?? '[]') as unknown;
    return Array.isArray(v) ? (v as LoggedMessage[]) : [];
  } catch {
    return [];
  }
}

const short = (s: string) => (s.length > 22 ? `${s.slice(0, 10)}…${s.slice(-8)}` : s);

function bubble(dir: 'in' | 'out', text: string): { el: HTMLElement; meta: HTMLElement } {
  $('empty')?.remove();
  const el = document.createElement('div');
  el.className = `bubble ${dir}`;
  el.dataset.testid = `msg-${dir}`;
  const t = document.createElement('div');
  t.className = 'text';
  t.textContent = text;
  const meta = document.createElement('div');
  meta.className = 'meta';
  el.append(t, meta);
  const log = $('log');
  log.append(el);
  log.scrollTop = log.scrollHeight;
  return { el, meta };
}

function pill(text: string, tone: string): HTMLElement {
  const p = document.createElement('span');
  p.className = `pill ${tone}`;
  p.textContent = text;
  return p;
}

async function main(): Promise<void> {
  const net = await fetchNetwork();
  const peers = $('peers');
  const list = $('peer-list');
  for (const c of net.clients) {
    const li = document.createElement('li');
    li.textContent = `${c.name}: ${short(c.address)}`;
    li.title = c.address;
    li.addEventListener('click', () => (($('to') as HTMLInputElement).value = c.address));
    peers.append(li);
    const o = document.createElement('option');
    o.value = c.address;
    o.label = c.name;
    list.append(o);
  }
  if (!net.clients.length) peers.innerHTML = '<li class="muted">none</li>';

  const slot = await claimSlot();
  $('slot').textContent = `(${slot})`;
  logKey = `nymph-chat-log-${slot}`;
  setState('connecting', 'warn');
  let client: ChatClient;
  try {
    client = await startClient(net, `nymph-chat-${slot}`);
  } catch (e) {
    const code = (e as { code?: string }).code;
    setState(`failed: ${code ?? (e as Error).message}`, 'bad');
    return;
  }
  setState('connected', 'ok');
  $('address').textContent = client.address;
  $('address').dataset.address = client.address;
  const backend = $('backend');
  backend.hidden = false;
  backend.textContent = client.backend;
  $('copy').addEventListener('click', () => void navigator.clipboard?.writeText(client.address));
  $('self').addEventListener('click', () => {
    ($('to') as HTMLInputElement).value = client.address;
    $('text').focus();
  });
  document.addEventListener('visibilitychange', () => void client.setIdle(document.hidden));

  let replyTo: string | undefined;
  const setReply = (tag: string | undefined) => {
    replyTo = tag;
    $('replying').hidden = !tag;
    $('replying').textContent = tag ? `Replying anonymously to sender ${short(tag)} through its SURBs` : '';
    $('cancel-reply').hidden = !tag;
    ($('to') as HTMLInputElement).disabled = !!tag;
  };
  $('cancel-reply').addEventListener('click', () => setReply(undefined));

  const showIncoming = (text: string, senderTag: string | undefined, when: string) => {
    const { el, meta } = bubble('in', text);
    if (senderTag) {
      el.dataset.senderTag = senderTag;
      meta.append(pill(`anonymous · ${short(senderTag)}`, 'info'));
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Reply';
      b.dataset.testid = 'reply';
      b.addEventListener('click', () => {
        setReply(senderTag);
        $('text').focus();
      });
      meta.append(b);
    } else meta.append(pill('plain', ''));
    meta.append(document.createTextNode(when));
  };
  for (const m of loadLog()) {
    logged.push(m);
    if (m.dir === 'in') showIncoming(m.text, m.senderTag, 'earlier');
    else {
      const { el, meta } = bubble('out', m.text);
      el.dataset.state = 'earlier';
      meta.append(pill(m.state ?? 'earlier', ''), pill(m.kind ?? 'plain', ''));
    }
  }
  client.onMessage((m) => {
    showIncoming(m.text(), m.senderTagString, new Date().toLocaleTimeString());
    logged.push({ dir: 'in', text: m.text(), senderTag: m.senderTagString });
    saveLog();
  });

  const sendButton = $<HTMLButtonElement>('send');
  sendButton.disabled = false;
  $('compose').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = ($('text') as HTMLTextAreaElement).value;
    const to = ($('to') as HTMLInputElement).value.trim();
    if (!text || (!to && !replyTo)) return;
    const anon = ($('anon') as HTMLInputElement).checked;
    ($('text') as HTMLTextAreaElement).value = '';
    const { el, meta } = bubble('out', text);
    const state = pill('sending', 'warn');
    el.dataset.state = 'sending';
    const kind = replyTo ? 'reply via SURBs' : anon ? 'anonymous' : 'plain';
    meta.append(state, pill(kind, replyTo || anon ? 'info' : ''));
    const entry: LoggedMessage = { dir: 'out', text, kind, state: 'sent' };
    logged.push(entry);
    saveLog();
    const t0 = performance.now();
    const done = replyTo
      ? client.reply(replyTo, text)
      : anon
        ? client.sendAnonymous(to, text, { replySurbs: 10 })
        : client.send(to, text);
    // the client took it: its packets are in the mixnet (acked = the recipient's gateway got them all)
    queueMicrotask(() => {
      if (el.dataset.state === 'sending') {
        el.dataset.state = 'sent';
        state.textContent = 'sent';
      }
    });
    done.then(
      () => {
        const rtt = Math.round(performance.now() - t0);
        el.dataset.state = 'acked';
        el.dataset.rtt = String(rtt);
        state.className = 'pill ok';
        state.textContent = `acked · ${rtt} ms`;
        entry.state = `acked · ${rtt} ms`;
        saveLog();
      },
      (e: unknown) => {
        const code = (e as { code?: string }).code ?? 'error';
        el.dataset.state = 'failed';
        el.dataset.code = code;
        state.className = 'pill bad';
        state.textContent = `failed · ${code}`;
        state.title = (e as Error).message;
        entry.state = `failed · ${code}`;
        saveLog();
      },
    );
  });
}

void main();
