import { DirectSecp256k1HdWallet, makeCosmoshubPath } from '@cosmjs/proto-signing';
import { describe, expect, it } from 'vitest';
import {
  accountAddresses,
  accountWallet,
  InvalidArgumentError,
  mnemonicSeed,
} from '../../src/chain/index.js';
import { LOCALNET_MNEMONIC } from '../../localnet/index.js';

describe('mnemonic accounts', () => {
  it('derive the same accounts as CosmJS HD wallets, one account at a time', async () => {
    const reference = await DirectSecp256k1HdWallet.fromMnemonic(LOCALNET_MNEMONIC, {
      prefix: 'n',
      hdPaths: [0, 1, 7].map((i) => makeCosmoshubPath(i)),
    });
    const expected = (await reference.getAccounts()).map((a) => a.address);
    const one = await Promise.all([0, 1, 7].map((i) => accountWallet(LOCALNET_MNEMONIC, i)));
    const got = await Promise.all(one.map(async (w) => (await w.getAccounts()).map((a) => a.address)));
    expect(got).toEqual(expected.map((a) => [a]));
    const all = await accountAddresses(LOCALNET_MNEMONIC, 8);
    expect([all[0], all[1], all[7]]).toEqual(expected);
  });

  it('matches the BIP39 seed of the reference vector', async () => {
    // BIP39 test vector (Trezor's vectors.json) has a passphrase; with none, the seed of
    // "abandon ... about" is this well-known value
    const seed = await mnemonicSeed(
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    );
    expect(Buffer.from(seed).toString('hex')).toBe(
      '5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4',
    );
  });

  it('rejects a bad mnemonic and a bad index with InvalidArgumentError', async () => {
    await expect(accountWallet('not a mnemonic at all', 0)).rejects.toBeInstanceOf(InvalidArgumentError);
    const wrongChecksum = LOCALNET_MNEMONIC.split(' ').reverse().join(' ');
    await expect(accountWallet(wrongChecksum, 0)).rejects.toMatchObject({ argument: 'mnemonic' });
    await expect(accountWallet(LOCALNET_MNEMONIC, -1)).rejects.toMatchObject({ argument: 'accountIndex' });
    await expect(accountWallet(LOCALNET_MNEMONIC, 2 ** 31)).rejects.toMatchObject({
      argument: 'accountIndex',
    });
  });
});
