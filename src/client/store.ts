/**
 * Reply state behind one small interface: reply SURBs received from anonymous senders
 * (by sender tag), our own sender tags (by recipient), and the one-use keys of the reply
 * SURBs we handed out (by key digest). In-memory here; SQLite in store-sqlite.ts (Node).
 */
import { base58 } from '@scure/base';

export interface ReplyStore {
  /** Reply SURBs received from the anonymous sender behind `tag`. */
  addSurbs(tag: Uint8Array, surbs: Uint8Array[], now: number): void;
  /** Remove and return up to `n` SURBs for `tag`, oldest first. */
  takeSurbs(tag: Uint8Array, n: number): Uint8Array[];
  surbCount(tag: Uint8Array): number;
  /** Our sender tag towards a recipient address (stable across restarts). */
  getSenderTag(recipient: string): Uint8Array | undefined;
  setSenderTag(recipient: string, tag: Uint8Array): void;
  /** The recipient we use `tag` with (to send it more SURBs when it asks). */
  recipientForTag(tag: Uint8Array): string | undefined;
  /** Keys of the reply SURBs we attached, by BLAKE3 digest (what a reply carries). */
  putReplyKeys(entries: { digest: Uint8Array; key: Uint8Array; tag: Uint8Array }[], now: number): void;
  takeReplyKey(digest: Uint8Array): { key: Uint8Array; tag: Uint8Array } | undefined;
  /** How many of our reply keys for `tag` are still unused (the other side's stock). */
  replyKeyCount(tag: Uint8Array): number;
  /** Drop reply keys and SURBs older than `cutoff`. */
  prune(cutoff: number): void;
  close(): void;
}

export const tagKey = (t: Uint8Array): string => base58.encode(t);

export class MemoryReplyStore implements ReplyStore {
  protected readonly surbs = new Map<string, { surb: Uint8Array; at: number }[]>();
  protected readonly tags = new Map<string, Uint8Array>();
  protected readonly keys = new Map<string, { key: Uint8Array; tag: Uint8Array; at: number }>();

  addSurbs(tag: Uint8Array, surbs: Uint8Array[], now: number): void {
    const k = tagKey(tag);
    const list = this.surbs.get(k) ?? [];
    for (const s of surbs) list.push({ surb: s.slice(), at: now });
    this.surbs.set(k, list);
  }

  takeSurbs(tag: Uint8Array, n: number): Uint8Array[] {
    const list = this.surbs.get(tagKey(tag));
    if (!list) return [];
    return list.splice(0, n).map((e) => e.surb);
  }

  surbCount(tag: Uint8Array): number {
    return this.surbs.get(tagKey(tag))?.length ?? 0;
  }

  getSenderTag(recipient: string): Uint8Array | undefined {
    return this.tags.get(recipient);
  }

  setSenderTag(recipient: string, tag: Uint8Array): void {
    this.tags.set(recipient, tag.slice());
  }

  recipientForTag(tag: Uint8Array): string | undefined {
    const t = tagKey(tag);
    for (const [r, v] of this.tags) if (tagKey(v) === t) return r;
    return undefined;
  }

  putReplyKeys(entries: { digest: Uint8Array; key: Uint8Array; tag: Uint8Array }[], now: number): void {
    for (const e of entries)
      this.keys.set(tagKey(e.digest), { key: e.key.slice(), tag: e.tag.slice(), at: now });
  }

  takeReplyKey(digest: Uint8Array): { key: Uint8Array; tag: Uint8Array } | undefined {
    // every regular packet asks (its key slot might be a digest): no keys, no base58
    if (this.keys.size === 0) return undefined;
    const k = tagKey(digest);
    const e = this.keys.get(k);
    if (!e) return undefined;
    this.keys.delete(k);
    return { key: e.key, tag: e.tag };
  }

  replyKeyCount(tag: Uint8Array): number {
    const t = tagKey(tag);
    let n = 0;
    for (const e of this.keys.values()) if (tagKey(e.tag) === t) n++;
    return n;
  }

  prune(cutoff: number): void {
    for (const [k, e] of this.keys) if (e.at < cutoff) this.keys.delete(k);
    for (const [k, list] of this.surbs) {
      const keep = list.filter((e) => e.at >= cutoff);
      if (keep.length) this.surbs.set(k, keep);
      else this.surbs.delete(k);
    }
  }

  close(): void {}
}
