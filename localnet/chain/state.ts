/**
 * The chain's application state, held in memory and flushed to SQLite at every commit.
 *
 * `WorldState` is the committed state plus dirty-tracking; `CacheState` is a write-back
 * overlay used for one transaction, so that all of a tx's messages either apply together
 * (`write()`) or not at all (drop the cache). Contract state objects are owned by the chain:
 * a contract gets a private clone to execute on and returns the next state object.
 */

export interface AccountRecord {
  address: string;
  number: bigint;
  sequence: bigint;
  /** Compressed secp256k1 key, known once the account has signed a tx. */
  pubkey: Uint8Array | null;
}

export interface ContractRecord {
  address: string;
  codeId: bigint;
  instanceId: bigint;
  label: string;
  creator: string;
  admin: string;
  createdHeight: bigint;
  createdIndex: bigint;
}

/** Read/write view of the state; implemented by the world and by tx caches. */
export interface Ledger {
  getAccount(address: string): AccountRecord | undefined;
  setAccount(account: AccountRecord): void;
  getBalance(address: string, denom: string): bigint;
  setBalance(address: string, denom: string, amount: bigint): void;
  getContract(address: string): ContractRecord | undefined;
  setContract(contract: ContractRecord): void;
  getContractState(address: string): unknown;
  setContractState(address: string, state: unknown): void;
  /** Allocate the next account number (x/auth global counter). */
  takeAccountNumber(): bigint;
  /** Allocate the next contract instance id (wasmd's global LastInstanceID + 1). */
  takeInstanceId(): bigint;
}

const balanceKey = (address: string, denom: string): string => `${address}\u0000${denom}`;

export class WorldState implements Ledger {
  readonly accounts = new Map<string, AccountRecord>();
  readonly balances = new Map<string, Map<string, bigint>>();
  readonly contracts = new Map<string, ContractRecord>();
  readonly contractStates = new Map<string, unknown>();
  nextAccountNumber = 0n;
  nextInstanceId = 1n;

  readonly dirtyAccounts = new Set<string>();
  readonly dirtyBalances = new Set<string>();
  readonly dirtyContracts = new Set<string>();
  readonly dirtyStates = new Set<string>();
  dirtyCounters = false;

  getAccount(address: string): AccountRecord | undefined {
    return this.accounts.get(address);
  }
  setAccount(account: AccountRecord): void {
    this.accounts.set(account.address, account);
    this.dirtyAccounts.add(account.address);
  }
  getBalance(address: string, denom: string): bigint {
    return this.balances.get(address)?.get(denom) ?? 0n;
  }
  setBalance(address: string, denom: string, amount: bigint): void {
    let m = this.balances.get(address);
    if (!m) this.balances.set(address, (m = new Map()));
    if (amount === 0n) m.delete(denom);
    else m.set(denom, amount);
    this.dirtyBalances.add(balanceKey(address, denom));
  }
  allBalances(address: string): { denom: string; amount: bigint }[] {
    const m = this.balances.get(address);
    if (!m) return [];
    return [...m.entries()]
      .map(([denom, amount]) => ({ denom, amount }))
      .sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
  }
  getContract(address: string): ContractRecord | undefined {
    return this.contracts.get(address);
  }
  setContract(contract: ContractRecord): void {
    this.contracts.set(contract.address, contract);
    this.dirtyContracts.add(contract.address);
  }
  getContractState(address: string): unknown {
    return this.contractStates.get(address);
  }
  setContractState(address: string, state: unknown): void {
    this.contractStates.set(address, state);
    this.dirtyStates.add(address);
  }
  takeAccountNumber(): bigint {
    this.dirtyCounters = true;
    return this.nextAccountNumber++;
  }
  takeInstanceId(): bigint {
    this.dirtyCounters = true;
    return this.nextInstanceId++;
  }

  clearDirty(): void {
    this.dirtyAccounts.clear();
    this.dirtyBalances.clear();
    this.dirtyContracts.clear();
    this.dirtyStates.clear();
    this.dirtyCounters = false;
  }

  static splitBalanceKey(key: string): [string, string] {
    const i = key.indexOf('\u0000');
    return [key.slice(0, i), key.slice(i + 1)];
  }
}

/** Write-back overlay over a parent ledger. */
export class CacheState implements Ledger {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly balances = new Map<string, { address: string; denom: string; amount: bigint }>();
  private readonly contracts = new Map<string, ContractRecord>();
  private readonly states = new Map<string, unknown>();
  private accountNumbers = 0n;
  private instanceIds = 0n;

  constructor(
    private readonly parent: Ledger,
    private readonly counters: { nextAccountNumber: bigint; nextInstanceId: bigint },
  ) {}

  getAccount(address: string): AccountRecord | undefined {
    const a = this.accounts.get(address) ?? this.parent.getAccount(address);
    return a ? { ...a } : undefined;
  }
  setAccount(account: AccountRecord): void {
    this.accounts.set(account.address, { ...account });
  }
  getBalance(address: string, denom: string): bigint {
    const b = this.balances.get(balanceKey(address, denom));
    return b ? b.amount : this.parent.getBalance(address, denom);
  }
  setBalance(address: string, denom: string, amount: bigint): void {
    this.balances.set(balanceKey(address, denom), { address, denom, amount });
  }
  getContract(address: string): ContractRecord | undefined {
    return this.contracts.get(address) ?? this.parent.getContract(address);
  }
  setContract(contract: ContractRecord): void {
    this.contracts.set(contract.address, contract);
  }
  getContractState(address: string): unknown {
    return this.states.has(address) ? this.states.get(address) : this.parent.getContractState(address);
  }
  setContractState(address: string, state: unknown): void {
    this.states.set(address, state);
  }
  takeAccountNumber(): bigint {
    return this.counters.nextAccountNumber + this.accountNumbers++;
  }
  takeInstanceId(): bigint {
    return this.counters.nextInstanceId + this.instanceIds++;
  }

  /** Apply every change to the parent ledger. */
  write(): void {
    for (let i = 0n; i < this.accountNumbers; i++) this.parent.takeAccountNumber();
    for (let i = 0n; i < this.instanceIds; i++) this.parent.takeInstanceId();
    for (const a of this.accounts.values()) this.parent.setAccount(a);
    for (const b of this.balances.values()) this.parent.setBalance(b.address, b.denom, b.amount);
    for (const c of this.contracts.values()) this.parent.setContract(c);
    for (const [addr, s] of this.states) this.parent.setContractState(addr, s);
  }
}
