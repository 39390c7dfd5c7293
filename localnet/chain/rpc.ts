/**
 * CometBFT 0.38 JSON-RPC over HTTP (POST, batch, and the GET URI form) and websocket
 * (/websocket: every method plus subscribe/unsubscribe for NewBlock, NewBlockHeader, Tx).
 *
 * Shapes follow what a CometBFT 0.38 node prints, since CosmJS's decoders check field
 * presence and types: integers as strings (except tx `code`/`index` and block_id parts
 * `total`), hashes as upper hex, tx bytes and data as base64. Failures are HTTP 200 with a
 * JSON-RPC `error` object (CosmJS throws on HTTP >= 400 before reading the body).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { AbciError, ChainConfigError } from './errors.js';
import {
  invalidParams,
  params as P,
  readParams,
  readRequest,
  requestId,
  RpcError,
  type Params,
} from './rpc-params.js';

export { RpcError } from './rpc-params.js';
import { rfc3339Nanos, sha256 as sha256Of, toBase64, toHexUpper } from './crypto.js';
import {
  BLOCK_PROTOCOL,
  COMETBFT_VERSION,
  P2P_PROTOCOL,
  txResultJson,
  type ChainNode,
  type NewBlockEvent,
} from './node.js';
import type { TxResultData } from './app.js';
import type { StoredTxRow } from './store.js';
import { rpcCors, type RpcCors } from './cors.js';

/** A handler result that is already JSON text (cached query answers). */
export class RawJson {
  constructor(readonly text: string) {}
}

const internal = (data: string): RpcError => new RpcError(-32603, 'Internal error', data);

const MAX_TX_BYTES = 1024 * 1024;

export interface RpcServerOptions {
  host: string;
  port: number;
  log: Logger;
  /** Longest a broadcast_tx_commit waits for inclusion. */
  commitTimeoutMs: number;
  maxBodyBytes: number;
  /** Browser origins allowed to call (CORS, see ./cors.ts); default none. */
  corsAllowedOrigins?: readonly string[];
}

// ---------------------------------------------------------------- tx query language

interface Condition {
  key: string;
  op: '=' | '<' | '<=' | '>' | '>=' | 'CONTAINS' | 'EXISTS';
  value: string | number | null;
}

/** Parse CometBFT's query language: `key op value` joined by AND. */
export function parseQuery(query: string): Condition[] {
  const conds: Condition[] = [];
  const re =
    /\s*([A-Za-z0-9_.\-/]+)\s*(?:(<=|>=|=|<|>|CONTAINS)\s*(?:'((?:[^'\\]|\\.)*)'|(-?[0-9]+(?:\.[0-9]+)?))|(EXISTS))\s*(AND\b|$)/y;
  let pos = 0;
  const q = query.trim();
  if (!q) throw invalidParams('empty query');
  while (pos < q.length) {
    re.lastIndex = pos;
    const m = re.exec(q);
    if (!m) throw invalidParams(`failed to parse query at position ${pos}: ${q}`);
    const [, key, op, quoted, num, exists] = m;
    if (exists) conds.push({ key, op: 'EXISTS', value: null });
    else conds.push({ key, op: op as Condition['op'], value: quoted !== undefined ? quoted : Number(num) });
    pos = re.lastIndex;
  }
  return conds;
}

/** Compile conditions to SQL over txs t. */
function compileQuery(conds: Condition[]): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const numOps = new Set(['<', '<=', '>', '>=', '=']);
  for (const c of conds) {
    if (c.key === 'tx.hash') {
      if (c.op !== '=' || typeof c.value !== 'string') throw invalidParams('tx.hash supports = only');
      parts.push('t.hash = ?');
      params.push(c.value.toUpperCase());
    } else if (c.key === 'tx.height') {
      if (c.op === 'EXISTS') continue;
      if (!numOps.has(c.op)) throw invalidParams('tx.height needs a comparison');
      parts.push(`t.height ${c.op} ?`);
      params.push(Number(c.value));
    } else if (c.op === 'EXISTS') {
      parts.push('(t.height, t.idx) IN (SELECT a.height, a.idx FROM tx_attrs a WHERE a.key = ?)');
      params.push(c.key);
    } else if (c.op === 'CONTAINS') {
      parts.push(
        '(t.height, t.idx) IN (SELECT a.height, a.idx FROM tx_attrs a WHERE a.key = ? AND instr(a.value, ?) > 0)',
      );
      params.push(c.key, String(c.value));
    } else if (c.op === '=') {
      parts.push(
        '(t.height, t.idx) IN (SELECT a.height, a.idx FROM tx_attrs a WHERE a.key = ? AND a.value = ?)',
      );
      params.push(c.key, String(c.value));
    } else {
      parts.push(
        `(t.height, t.idx) IN (SELECT a.height, a.idx FROM tx_attrs a WHERE a.key = ? AND CAST(a.value AS REAL) ${c.op} ?)`,
      );
      params.push(c.key, Number(c.value));
    }
  }
  return { where: parts.length ? parts.join(' AND ') : '1', params };
}

/** Match conditions against a committed tx's events (for websocket Tx subscriptions). */
function matchesTx(conds: Condition[], attrs: Map<string, string[]>): boolean {
  return conds.every((c) => {
    const values = attrs.get(c.key);
    if (!values) return false;
    if (c.op === 'EXISTS') return true;
    return values.some((v) => {
      if (c.op === '=') return typeof c.value === 'number' ? Number(v) === c.value : v === c.value;
      if (c.op === 'CONTAINS') return v.includes(String(c.value));
      const n = Number(v);
      const x = Number(c.value);
      return c.op === '<' ? n < x : c.op === '<=' ? n <= x : c.op === '>' ? n > x : n >= x;
    });
  });
}

function eventAttrMap(
  kind: string,
  events: { type: string; attributes: { key: string; value: string }[] }[],
  extra: [string, string][],
): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (k: string, v: string): void => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  add('tm.event', kind);
  for (const [k, v] of extra) add(k, v);
  for (const e of events) for (const a of e.attributes) add(`${e.type}.${a.key}`, a.value);
  return m;
}

// ---------------------------------------------------------------- server

export class RpcServer {
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly methods: Record<string, (p: Params) => unknown>;
  private readonly queryCache = new Map<string, RawJson>();
  private queryCacheHeight = -1;
  private earliest: { hash: string; time: string; appHash: string } | undefined;
  private readonly cors: RpcCors;

  constructor(
    private readonly node: ChainNode,
    private readonly opts: RpcServerOptions,
  ) {
    this.methods = {
      health: () => ({}),
      status: () => this.status(),
      abci_info: () => this.abciInfo(),
      abci_query: (p) => this.abciQuery(readParams(P.abci_query, p)),
      broadcast_tx_sync: (p) => this.broadcast(readParams(P.tx_bytes, p).tx, 'sync'),
      broadcast_tx_async: (p) => this.broadcast(readParams(P.tx_bytes, p).tx, 'async'),
      broadcast_tx_commit: (p) => this.broadcast(readParams(P.tx_bytes, p).tx, 'commit'),
      check_tx: (p) => this.checkTxOnly(readParams(P.tx_bytes, p).tx),
      tx: (p) => this.tx(readParams(P.hash, p).hash),
      tx_search: (p) => this.txSearch(readParams(P.tx_search, p)),
      block: (p) => this.loadBlock(readParams(P.height, p).height),
      block_by_hash: (p) => this.blockByHash(readParams(P.hash, p).hash),
      block_results: (p) => this.blockResults(readParams(P.height, p).height),
      blockchain: (p) => this.blockchain(readParams(P.blockchain, p)),
      commit: (p) => this.commit(readParams(P.height, p).height),
      header: (p) => ({
        header: (this.loadBlock(readParams(P.height, p).height).block as { header: unknown }).header,
      }),
      genesis: () => ({ genesis: this.node.genesis }),
      validators: (p) => this.validators(readParams(P.height, p).height),
      num_unconfirmed_txs: () => ({
        n_txs: String(this.node.mempoolSize),
        total: String(this.node.mempoolSize),
        total_bytes: String(this.node.mempoolBytes),
        txs: null,
      }),
      net_info: () => ({ listening: true, listeners: [], n_peers: '0', peers: [] }),
      // Dev extensions (not CometBFT): mine a block now; move the clock forward and mine.
      dev_mine: () => {
        this.node.mineBlock();
        return { height: String(this.node.height) };
      },
      dev_advance_time: (p) => {
        const { seconds } = readParams(P.dev_advance_time, p);
        try {
          const r = this.node.advanceTime(seconds);
          return { height: String(r.height), time: rfc3339Nanos(r.timeNanos) };
        } catch (e) {
          throw invalidParams((e as Error).message);
        }
      },
    };
    this.cors = rpcCors(opts.corsAllowedOrigins ?? []);
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxBodyBytes });
    this.server.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/websocket') {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES'
            ? new ChainConfigError(`cannot listen on ${this.opts.host}:${this.opts.port}: ${e.code}`, 'rpc')
            : e,
        ),
      );
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.removeAllListeners('error');
        this.server.on('error', (e) => this.opts.log.error({ err: e }, 'localnet: rpc server error'));
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- transport

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const send = (body: unknown): void => {
      const text =
        typeof body === 'string' ? body : Array.isArray(body) ? `[${body.join(',')}]` : JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (this.cors.handle(req, res)) return;
    if (req.method === 'GET') {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = url.pathname.replace(/^\/+/, '');
      if (method === 'metrics') {
        void this.node.metrics.registry.metrics().then((text) => {
          res.writeHead(200, { 'content-type': this.node.metrics.registry.contentType });
          res.end(text);
        });
        return;
      }
      if (method === '') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(
          `Available endpoints:\n${Object.keys(this.methods)
            .map((m) => `/${m}`)
            .join('\n')}\n`,
        );
        return;
      }
      const params: Params = {};
      for (const [k, v] of url.searchParams) params[k] = uriValue(v);
      void this.call({ jsonrpc: '2.0', id: -1, method, params }).then(send);
      return;
    }
    if (req.method !== 'POST') {
      send({
        jsonrpc: '2.0',
        id: -1,
        error: { code: -32600, message: 'Invalid Request', data: 'use GET or POST' },
      });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > this.opts.maxBodyBytes) {
        tooBig = true;
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) {
        send({
          jsonrpc: '2.0',
          id: -1,
          error: { code: -32600, message: 'Invalid Request', data: 'request too large' },
        });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send({
          jsonrpc: '2.0',
          id: -1,
          error: { code: -32700, message: 'Parse error', data: 'invalid JSON' },
        });
        return;
      }
      if (Array.isArray(body)) void Promise.all(body.map((b) => this.call(b))).then(send);
      else void this.call(body).then(send);
    });
  }

  private async call(request: unknown): Promise<string> {
    let id = requestId(request);
    let method: string | undefined;
    try {
      const r = readRequest(request);
      id = r.id;
      method = r.method;
      const fn = Object.prototype.hasOwnProperty.call(this.methods, method)
        ? this.methods[method]
        : undefined;
      if (!fn) throw new RpcError(-32601, 'Method not found', method);
      this.node.metrics.rpc.inc({ method });
      const result = await fn(r.params);
      const text = result instanceof RawJson ? result.text : JSON.stringify(result);
      return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${text}}`;
    } catch (e) {
      if (e instanceof RpcError) {
        return JSON.stringify({
          jsonrpc: '2.0',
          id,
          error: { code: e.code, message: e.rpcMessage, data: e.data },
        });
      }
      this.opts.log.warn({ err: e, method }, 'localnet: rpc handler failed');
      return JSON.stringify({
        jsonrpc: '2.0',
        id,
        error: { code: -32603, message: 'Internal error', data: String(e) },
      });
    }
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    const subs = new Map<string, () => void>();
    const sendJson = (v: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(typeof v === 'string' ? v : JSON.stringify(v));
    };
    ws.on('message', (data) => {
      let req: unknown;
      try {
        req = JSON.parse(String(data));
      } catch {
        sendJson({
          jsonrpc: '2.0',
          id: -1,
          error: { code: -32700, message: 'Parse error', data: 'invalid JSON' },
        });
        return;
      }
      const id = requestId(req);
      let parsed;
      try {
        parsed = readRequest(req);
      } catch {
        void this.call(req).then(sendJson);
        return;
      }
      if (parsed.method === 'subscribe') {
        try {
          const { query } = readParams(P.subscribe, parsed.params);
          if (subs.has(query)) throw internal('already subscribed');
          const conds = parseQuery(query);
          const kind = conds.find((c) => c.key === 'tm.event')?.value;
          if (kind !== 'NewBlock' && kind !== 'NewBlockHeader' && kind !== 'Tx') {
            throw invalidParams(`unsupported subscription ${query}`);
          }
          subs.set(
            query,
            this.node.onBlock((ev) => this.emit(ev, kind, conds, query, id, sendJson)),
          );
          sendJson({ jsonrpc: '2.0', id, result: {} });
        } catch (e) {
          const err = e instanceof RpcError ? e : internal(String(e));
          sendJson({
            jsonrpc: '2.0',
            id,
            error: { code: err.code, message: 'Invalid params', data: err.data },
          });
        }
        return;
      }
      if (parsed.method === 'unsubscribe' || parsed.method === 'unsubscribe_all') {
        let query: string | undefined;
        try {
          query =
            parsed.method === 'unsubscribe' ? readParams(P.unsubscribe, parsed.params).query : undefined;
        } catch (e) {
          const err = e as RpcError;
          sendJson({
            jsonrpc: '2.0',
            id,
            error: { code: err.code, message: err.rpcMessage, data: err.data },
          });
          return;
        }
        for (const [q, off] of subs) {
          if (query === undefined || q === query) {
            off();
            subs.delete(q);
          }
        }
        sendJson({ jsonrpc: '2.0', id, result: {} });
        return;
      }
      void this.call(req).then(sendJson);
    });
    ws.on('close', () => {
      for (const off of subs.values()) off();
      subs.clear();
      this.sockets.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }

  private emit(
    ev: NewBlockEvent,
    kind: string,
    conds: ReturnType<typeof parseQuery>,
    query: string,
    id: unknown,
    send: (v: unknown) => void,
  ): void {
    const header = ev.block.header as { height: string };
    if (kind === 'NewBlock' || kind === 'NewBlockHeader') {
      const events = { 'tm.event': [kind], 'block.height': [header.height] };
      const data =
        kind === 'NewBlock'
          ? {
              type: 'tendermint/event/NewBlock',
              value: { block: ev.block, block_id: ev.blockId, result_finalize_block: ev.results },
            }
          : { type: 'tendermint/event/NewBlockHeader', value: { header: ev.block.header } };
      send({ jsonrpc: '2.0', id, result: { query, data, events } });
      return;
    }
    for (const t of ev.txs) {
      const attrs = eventAttrMap('Tx', t.result.events, [
        ['tx.hash', t.hashHex],
        ['tx.height', String(t.height)],
      ]);
      if (!matchesTx(conds, attrs)) continue;
      send({
        jsonrpc: '2.0',
        id,
        result: {
          query,
          data: {
            type: 'tendermint/event/Tx',
            value: {
              TxResult: {
                height: String(t.height),
                index: t.index,
                tx: toBase64(t.tx),
                result: txResultJson(t.result),
              },
            },
          },
          events: Object.fromEntries(attrs),
        },
      });
    }
  }

  // ---------------------------------------------------------------- methods

  private status(): unknown {
    const n = this.node;
    // Block 1 never changes: read it once. The tip comes from memory.
    if (!this.earliest) {
      const first = n.getBlock(1);
      if (first) {
        const header = (JSON.parse(first.block) as { block: { header: { app_hash: string } } }).block.header;
        this.earliest = { hash: first.hash, time: first.time, appHash: header.app_hash };
      }
    }
    const first = this.earliest;
    const addr = this.server.address() as AddressInfo | null;
    return {
      node_info: {
        protocol_version: { p2p: P2P_PROTOCOL, block: BLOCK_PROTOCOL, app: '0' },
        id: n.validator.nodeId,
        listen_addr: 'tcp://127.0.0.1:26656',
        network: n.opts.chainId,
        version: COMETBFT_VERSION,
        channels: '40202122233038606100',
        moniker: 'nymph-localnet',
        other: { tx_index: 'on', rpc_address: addr ? `tcp://${addr.address}:${addr.port}` : '' },
      },
      sync_info: {
        latest_block_hash: n.lastBlockId.hash,
        latest_app_hash: toHexUpper(n.appHash),
        latest_block_height: String(n.height),
        latest_block_time: rfc3339Nanos(n.latestTimeNanos),
        earliest_block_hash: first?.hash ?? '',
        earliest_app_hash: first?.appHash ?? '',
        earliest_block_height: first ? '1' : '0',
        earliest_block_time: first?.time ?? '',
        catching_up: false,
      },
      validator_info: this.validatorJson(),
    };
  }

  private validatorJson(): Record<string, string | Record<string, string>> {
    const v = this.node.validator;
    return {
      address: v.address,
      pub_key: { type: 'tendermint/PubKeyEd25519', value: toBase64(v.pubkey) },
      voting_power: '10',
      proposer_priority: '0',
    };
  }

  private abciInfo(): unknown {
    return {
      response: {
        data: 'nymph-localnet',
        version: '0.1.0',
        app_version: '1',
        last_block_height: String(this.node.height),
        last_block_app_hash: toBase64(this.node.appHash),
      },
    };
  }

  private abciQuery({ path, data: hex = '' }: { path: string; data?: string }): unknown {
    const data = new Uint8Array(Buffer.from(hex, 'hex'));
    const height = String(Math.max(this.node.height, 1));
    // State only changes at commit, so an answer holds for the whole height: cache it
    // (the cache is dropped at every block). Simulate and GetTx are per-tx: not cached.
    const cacheable =
      path !== '/cosmos.tx.v1beta1.Service/Simulate' && path !== '/cosmos.tx.v1beta1.Service/GetTx';
    const key = `${path}\u0000${hex}`;
    if (cacheable) {
      if (this.queryCacheHeight !== this.node.height) {
        this.queryCache.clear();
        this.queryCacheHeight = this.node.height;
      }
      const hit = this.queryCache.get(key);
      if (hit) return hit;
    }
    const answer = new RawJson(JSON.stringify(this.abciQueryAnswer(path, data, height)));
    if (cacheable && this.queryCache.size < 4096 && answer.text.length < 4 * 1024 * 1024)
      this.queryCache.set(key, answer);
    return answer;
  }

  private abciQueryAnswer(path: string, data: Uint8Array, height: string): unknown {
    try {
      const value = this.node.app.query(path, data, this.node.queryContext());
      return {
        response: {
          code: 0,
          log: '',
          info: '',
          index: '0',
          key: null,
          value: toBase64(value),
          proofOps: null,
          height,
          codespace: '',
        },
      };
    } catch (e) {
      if (!(e instanceof AbciError)) throw e;
      return {
        response: {
          code: e.code,
          log: e.log,
          info: '',
          index: '0',
          key: null,
          value: null,
          proofOps: null,
          height,
          codespace: e.codespace,
        },
      };
    }
  }

  private checkTxOnly(bytes: Uint8Array): unknown {
    try {
      const tx = this.node.app.decodeTx(bytes, false);
      return {
        code: 0,
        data: '',
        log: '',
        info: '',
        gas_wanted: tx.gasLimit.toString(),
        gas_used: tx.gasUsed.toString(),
        events: [],
        codespace: '',
      };
    } catch (e) {
      if (!(e instanceof AbciError)) throw e;
      return {
        code: e.code,
        data: '',
        log: e.log,
        info: '',
        gas_wanted: '0',
        gas_used: '0',
        events: [],
        codespace: e.codespace,
      };
    }
  }

  private async broadcast(bytes: Uint8Array, mode: 'sync' | 'async' | 'commit'): Promise<unknown> {
    // CometBFT's mempool.max_tx_bytes default; refused before CheckTx, as a JSON-RPC error.
    if (bytes.length > MAX_TX_BYTES)
      throw internal(`tx too large. Max size is ${MAX_TX_BYTES}, but got ${bytes.length}`);
    const hash = toHexUpper(sha256Of(bytes));
    let check: Record<string, unknown>;
    let ok = false;
    let gasWanted = '0';
    try {
      const tx = await this.node.addTx(bytes);
      ok = true;
      gasWanted = tx.gasLimit.toString();
      check = { code: 0, data: '', log: '', codespace: '', hash };
    } catch (e) {
      if (!(e instanceof AbciError)) throw e;
      check = { code: e.code, data: '', log: e.log, codespace: e.codespace, hash };
    }
    // CometBFT answers broadcast_tx_async before CheckTx runs: always code 0 (a rejected tx
    // is just dropped). Here CheckTx has run, but the answer stays the same shape.
    if (mode === 'async') return { code: 0, data: '', log: '', codespace: '', hash };
    if (mode !== 'commit') return check;
    const checkTx = {
      code: check.code,
      data: '',
      log: check.log,
      info: '',
      gas_wanted: gasWanted,
      gas_used: '0',
      events: [],
      codespace: check.codespace,
    };
    if (!ok) return { check_tx: checkTx, tx_result: txResultJson(emptyResult()), hash, height: '0' };
    const r = await this.node.waitForTx(hash, this.opts.commitTimeoutMs);
    if (!r) throw internal('timed out waiting for tx to be included in a block');
    return { check_tx: checkTx, tx_result: txResultJson(r.result), hash, height: String(r.height) };
  }

  /** A `tx` / `tx_search` entry as JSON text, with the stored result embedded verbatim. */
  private txJson(row: StoredTxRow): string {
    return (
      `{"hash":"${row.hash}","height":"${row.height}","index":${row.idx},` +
      `"tx_result":${row.resultJson},"tx":"${toBase64(row.tx)}"}`
    );
  }

  private tx(h: string): unknown {
    const hex = /^(0x)?[0-9a-fA-F]{64}$/.test(h)
      ? h.replace(/^0x/, '')
      : Buffer.from(h, 'base64').toString('hex');
    const row = this.node.store.getTx(hex.toUpperCase());
    if (!row) throw internal(`tx (${hex.toUpperCase()}) not found`);
    return new RawJson(this.txJson(row));
  }

  private txSearch(p: { query: string; per_page?: number; page?: number; order_by?: string }): unknown {
    const { where, params } = compileQuery(parseQuery(p.query));
    const perPage = Math.min(Math.max(p.per_page ?? 30, 1), 100);
    const page = p.page ?? 1;
    const orderBy = p.order_by ?? 'asc';
    const { total, rows } = this.node.store.searchTxs(
      where,
      params,
      orderBy === 'desc',
      perPage,
      (page - 1) * perPage,
    );
    const pages = Math.max(1, Math.ceil(total / perPage));
    if (page < 1 || page > pages)
      throw invalidParams(`page should be within [1, ${pages}] range, given ${page}`);
    return new RawJson(`{"txs":[${rows.map((r) => this.txJson(r)).join(',')}],"total_count":"${total}"}`);
  }

  private heightParam(height: number | undefined): number {
    const h = height ?? this.node.height;
    if (h <= 0) throw internal(`height must be greater than 0, but got ${h}`);
    if (h > this.node.height) {
      throw internal(
        `height ${h} must be less than or equal to the current blockchain height ${this.node.height}`,
      );
    }
    return h;
  }

  private loadBlock(height: number | undefined): { block_id: unknown; block: Record<string, unknown> } {
    const b = this.node.getBlock(this.heightParam(height));
    if (!b) throw internal('block not found');
    return JSON.parse(b.block) as { block_id: unknown; block: Record<string, unknown> };
  }

  private blockByHash(h: string): unknown {
    const hex = /^(0x)?[0-9a-fA-F]{64}$/.test(h)
      ? h.replace(/^0x/, '')
      : Buffer.from(h, 'base64').toString('hex');
    const b = this.node.store.getBlockByHash(hex.toUpperCase());
    if (!b) return { block_id: { hash: '', parts: { total: 0, hash: '' } }, block: null };
    return JSON.parse(b.block);
  }

  private blockResults(height: number | undefined): unknown {
    const b = this.node.getBlock(this.heightParam(height));
    if (!b) throw internal('block not found');
    return JSON.parse(b.results);
  }

  private blockchain(p: { minHeight?: number; maxHeight?: number }): unknown {
    const last = this.node.height;
    let max = p.maxHeight ?? last;
    let min = p.minHeight ?? 1;
    max = Math.min(max === 0 ? last : max, last);
    min = Math.max(min === 0 ? 1 : min, 1, max - 19);
    if (min > max) throw internal(`min height ${min} can't be greater than max height ${max}`);
    const metas = this.node.store.blockRange(min, max).map((b) => {
      const parsed = JSON.parse(b.block) as { block_id: unknown; block: { header: unknown } };
      return {
        block_id: parsed.block_id,
        block_size: String(b.block.length),
        header: parsed.block.header,
        num_txs: String(b.numTxs),
      };
    });
    return { last_height: String(last), block_metas: metas };
  }

  private commit(h: number | undefined): unknown {
    const height = this.heightParam(h);
    const b = this.loadBlock(height);
    const next = height < this.node.height ? this.loadBlock(height + 1) : undefined;
    const lastCommit = next
      ? (next.block.last_commit as Record<string, unknown>)
      : { height: String(height), round: 0, block_id: b.block_id, signatures: [] };
    return {
      signed_header: { header: b.block.header, commit: lastCommit },
      canonical: next !== undefined,
    };
  }

  private validators(h: number | undefined): unknown {
    const height = this.heightParam(h);
    return { block_height: String(height), validators: [this.validatorJson()], count: '1', total: '1' };
  }
}

function emptyResult(): TxResultData {
  return { code: 0, codespace: '', log: '', data: new Uint8Array(), gasWanted: 0n, gasUsed: 0n, events: [] };
}

/** URI params: quoted strings lose their quotes; everything else stays as text. */
function uriValue(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  return v;
}
