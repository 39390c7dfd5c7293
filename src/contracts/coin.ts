/** A bank coin, as in cosmos.base.v1beta1.Coin: amount is a decimal string. */
export interface Coin {
  denom: string;
  amount: string;
}
