/**
 * Names of Rust types and symbols made acceptable to the kernel's BTF verifier (docs/rust-to-btf.md §5).
 *
 * Escaping is bpf-linker's `sanitize_type_name` (aya-rs/bpf-linker src/llvm/di.rs): every byte outside
 * `[0-9A-Za-z_]` becomes `_` + its uppercase hex + `_`; a result longer than 128 bytes keeps its first 111 bytes
 * and gets `_` + the lowercase hex of Rust's `DefaultHasher` (SipHash-1-3, zero keys) over the escaped bytes. The
 * same input gives the same name as bpf-linker, so CO-RE name matching between the two works.
 * btfkit's additions: a name starting with a digit gets a `_` prefix, and joined names (`Enum__Variant`,
 * `crate__module__Type`) never create the `___` that CO-RE reads as a flavour separator.
 */

/** The name length bpf-linker caps at: KSYM_NAME_LEN of older kernels (newer ones accept 512). */
export const MAX_NAME_LEN = 128;
const TRIM = MAX_NAME_LEN - 16 - 1;

const HEX = "0123456789ABCDEF";
const ENC = new TextEncoder();

function isIdentByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
}

/** bpf-linker's escaping without the length cap. */
export function escapeBytes(name: string): string {
  const bytes = ENC.encode(name);
  let out = "";
  let plain = true;
  for (const b of bytes) if (!isIdentByte(b)) plain = false;
  if (plain) return name;
  for (const b of bytes) {
    if (isIdentByte(b)) out += String.fromCharCode(b);
    else out += "_" + (b >= 16 ? HEX[b >> 4]! : "") + HEX[b & 15]! + "_";
  }
  return out;
}

/** Cap an escaped name at 128 bytes with bpf-linker's hash suffix. */
export function capName(escaped: string): string {
  if (escaped.length <= MAX_NAME_LEN) return escaped;
  const h = sipHash13(ENC.encode(escaped));
  return escaped.slice(0, TRIM) + "_" + h.toString(16);
}

/**
 * The BTF name of a Rust name: escaped, a `_` prefix when it starts with a digit (`9abc` → `_9abc`), capped. The
 * empty name stays empty (anonymous).
 */
export function rustName(name: string): string {
  if (name === "") return "";
  let e = escapeBytes(name);
  if (e.charCodeAt(0) >= 0x30 && e.charCodeAt(0) <= 0x39) e = "_" + e;
  return capName(e);
}

/**
 * Join escaped parts with `__` (`Msg` + `Move` → `Msg__Move`), dropping underscores at the seam so that the
 * result never has three in a row there (`Option_3C_u32_3E_` + `Some` → `Option_3C_u32_3E__Some`), then cap.
 */
export function joinNames(parts: readonly string[]): string {
  let out = "";
  for (const p of parts) {
    if (p === "") continue;
    if (out === "") {
      out = p;
      continue;
    }
    let left = out;
    let right = p;
    while (left.endsWith("__")) left = left.slice(0, -1);
    while (right.startsWith("__")) right = right.slice(1);
    const joiner = left.endsWith("_") ? (right.startsWith("_") ? "" : "_") : right.startsWith("_") ? "_" : "__";
    out = left + joiner + right;
  }
  return capName(out);
}

/**
 * A symbol name the kernel accepts as is on every kernel btfkit targets: `[A-Za-z_][A-Za-z0-9_]*`, at most 128
 * bytes (no dots: kernels before mid-2023 reject them outside DATASEC). True for `#[no_mangle]` names and v0
 * (`_R…`) symbols; false for legacy `_ZN…$LT$…` ones.
 */
export function isPortableIdentifier(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LEN) return false;
  const c0 = name.charCodeAt(0);
  if (c0 >= 0x30 && c0 <= 0x39) return false;
  for (let i = 0; i < name.length; i++) if (!isIdentByte(name.charCodeAt(i))) return false;
  return true;
}

// ---- SipHash-1-3 with zero keys (Rust's DefaultHasher::new(); `write(bytes)` then `finish()`) ------------------

const M64 = (1n << 64n) - 1n;

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & M64;
}

/** SipHash-1-3 of `data` with keys (0, 0), as Rust's `DefaultHasher` computes it for one `write` call. */
export function sipHash13(data: Uint8Array): bigint {
  let v0 = 0x736f6d6570736575n;
  let v1 = 0x646f72616e646f6dn;
  let v2 = 0x6c7967656e657261n;
  let v3 = 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & M64;
    v1 = rotl(v1, 13n);
    v1 ^= v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64;
    v3 = rotl(v3, 16n);
    v3 ^= v2;
    v0 = (v0 + v3) & M64;
    v3 = rotl(v3, 21n);
    v3 ^= v0;
    v2 = (v2 + v1) & M64;
    v1 = rotl(v1, 17n);
    v1 ^= v2;
    v2 = rotl(v2, 32n);
  };
  const len = data.length;
  const whole = len - (len % 8);
  for (let i = 0; i < whole; i += 8) {
    let m = 0n;
    for (let k = 7; k >= 0; k--) m = (m << 8n) | BigInt(data[i + k]!);
    v3 ^= m;
    round();
    v0 ^= m;
  }
  let b = BigInt(len & 0xff) << 56n;
  for (let k = len - 1; k >= whole; k--) b |= BigInt(data[k]!) << BigInt(8 * (k - whole));
  v3 ^= b;
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  return (v0 ^ v1 ^ v2 ^ v3) & M64;
}
