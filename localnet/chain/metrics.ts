/** Prometheus metrics of one chain instance (own registry: several chains may share a process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ChainMetrics {
  readonly registry = new Registry();
  readonly height = new Gauge({
    name: 'nymph_chain_height',
    help: 'latest committed block height',
    registers: [this.registry],
  });
  readonly blocks = new Counter({
    name: 'nymph_chain_blocks_total',
    help: 'blocks committed',
    registers: [this.registry],
  });
  readonly txs = new Counter({
    name: 'nymph_chain_txs_total',
    help: 'txs delivered in blocks, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'nymph_chain_checktx_rejected_total',
    help: 'txs rejected at CheckTx, by codespace and code',
    labelNames: ['codespace', 'code'],
    registers: [this.registry],
  });
  readonly rpc = new Counter({
    name: 'nymph_chain_rpc_requests_total',
    help: 'JSON-RPC requests, by method',
    labelNames: ['method'],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'nymph_chain_block_seconds',
    help: 'time to execute and commit a block',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly mempool = new Gauge({
    name: 'nymph_chain_mempool_txs',
    help: 'txs waiting for a block',
    registers: [this.registry],
  });
}
