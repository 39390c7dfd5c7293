/**
 * Accounts of a BIP39 mnemonic at m/44'/118'/0'/0/i (Nyx's HD path), prefix "n".
 *
 * Why not `DirectSecp256k1HdWallet.fromMnemonic`: it runs BIP39's PBKDF2 (2,048 rounds of
 * HMAC-SHA512) in JavaScript and derives every account up to the highest index, which costs
 * each node process a second or more of CPU at start-up. WebCrypto's PBKDF2 is native in
 * Node and in browsers, and SLIP-10 then derives only the account asked for.
 */
import { EnglishMnemonic, Secp256k1, Slip10, Slip10Curve, ripemd160, sha256 } from '@cosmjs/crypto';
import { toBech32 } from '@cosmjs/encoding';
import { DirectSecp256k1Wallet, makeCosmoshubPath } from '@cosmjs/proto-signing';
import { InvalidArgumentError } from './errors.js';

/** Nyx's bech32 account prefix. */
export const NYX_PREFIX = 'n';

function checkedMnemonic(mnemonic: string): string {
  try {
    // validates words and checksum, and normalises spacing
    return new EnglishMnemonic(mnemonic.trim().split(/\s+/).join(' ')).toString();
  } catch (err) {
    throw new InvalidArgumentError('mnemonic', err instanceof Error ? err.message : String(err));
  }
}

/** BIP39 seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic", 2048) → 64 bytes. */
export async function mnemonicSeed(mnemonic: string): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const words = checkedMnemonic(mnemonic).normalize('NFKD');
  const key = await globalThis.crypto.subtle.importKey('raw', enc.encode(words), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-512', salt: enc.encode('mnemonic'), iterations: 2048 },
    key,
    512,
  );
  return new Uint8Array(bits);
}

function privateKeyAt(seed: Uint8Array, index: number): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 0x80000000)
    throw new InvalidArgumentError('accountIndex', `must be an integer in 0..2^31-1, got ${index}`);
  return Slip10.derivePath(Slip10Curve.Secp256k1, seed, makeCosmoshubPath(index)).privkey;
}

/** A signer holding the one account m/44'/118'/0'/0/index of `mnemonic`. */
export async function accountWallet(
  mnemonic: string,
  index = 0,
  prefix = NYX_PREFIX,
): Promise<DirectSecp256k1Wallet> {
  return DirectSecp256k1Wallet.fromKey(privateKeyAt(await mnemonicSeed(mnemonic), index), prefix);
}

/** Addresses of accounts 0..n-1 (one seed derivation for all of them). */
export async function accountAddresses(mnemonic: string, n: number, prefix = NYX_PREFIX): Promise<string[]> {
  const seed = await mnemonicSeed(mnemonic);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const { pubkey } = await Secp256k1.makeKeypair(privateKeyAt(seed, i));
    out.push(toBech32(prefix, ripemd160(sha256(Secp256k1.compressPubkey(pubkey)))));
  }
  return out;
}
