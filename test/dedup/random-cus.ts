/**
 * Random multi-CU inputs for differential testing: a fixed set of C-like declarations (ints, enums, structs whose
 * members point at other structs, arrays, const ints), emitted as several "compilation units" that each define a
 * random subset of the structs (the others only as FWD), in a random type order, some struct names with two
 * different layouts (so FWD resolution by name can be ambiguous). What a real compiler + pahole produce, minus
 * typedefs and duplicates inside one CU (where libbpf versions differ by design).
 */
import type { Btf } from "../../src/btf/btf.js";
import { BTF_INT_SIGNED } from "../../src/btf/kinds.js";
import { BtfAsm } from "../util/btf-asm.js";

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
}

type Leaf = { k: "int"; name: string; size: number } | { k: "enum"; j: number };
type MemberType =
  | Leaf
  | { k: "ptr-struct"; j: number }
  | { k: "ptr-leaf"; leaf: Leaf }
  | { k: "array"; leaf: Leaf; n: number }
  | { k: "const"; leaf: Leaf };

interface StructDecl {
  name: string;
  isUnion: boolean;
  /** Two layouts: [0] and [1] (the second has one member more). */
  variants: MemberType[][];
}

const INTS: Leaf[] = [
  { k: "int", name: "int", size: 4 },
  { k: "int", name: "long", size: 8 },
  { k: "int", name: "char", size: 1 },
];

export function randomCus(seed: number, opts: { structs?: number; cus?: number } = {}): Btf {
  const rng = new Rng(seed);
  const nStructs = opts.structs ?? 6;
  const nEnums = 2;
  const leaf = (): Leaf => (rng.chance(0.8) ? INTS[rng.int(INTS.length)]! : { k: "enum", j: rng.int(nEnums) });
  const memberType = (): MemberType => {
    const r = rng.int(10);
    if (r < 4) return { k: "ptr-struct", j: rng.int(nStructs) };
    if (r < 6) return leaf();
    if (r < 7) return { k: "ptr-leaf", leaf: leaf() };
    if (r < 9) return { k: "array", leaf: leaf(), n: 1 + rng.int(4) };
    return { k: "const", leaf: leaf() };
  };
  const decls: StructDecl[] = [];
  for (let j = 0; j < nStructs; j++) {
    const members: MemberType[] = [];
    const n = 1 + rng.int(4);
    for (let m = 0; m < n; m++) members.push(memberType());
    const name = rng.chance(0.15) ? "" : `s${j % Math.max(1, nStructs - 1)}`; // some names shared, some anonymous
    decls.push({ name, isUnion: rng.chance(0.2), variants: [members, [...members, memberType()]] });
  }

  const a = new BtfAsm();
  const nCus = opts.cus ?? 3;
  for (let cu = 0; cu < nCus; cu++) {
    // Which structs this CU defines (and with which layout); the others appear as FWD when referenced.
    const defined = decls.map((d) => (d.name === "" || rng.chance(0.6) ? (rng.chance(0.8) ? 0 : 1) : -1));
    // Collect the CU's nodes by key, then give them ids in a random order.
    const keys: string[] = [];
    const seen = new Set<string>();
    const leafKey = (l: Leaf): string => (l.k === "int" ? `int:${l.name}` : `enum:${l.j}`);
    const typeKey = (t: MemberType): string => {
      switch (t.k) {
        case "int":
        case "enum":
          return leafKey(t);
        case "ptr-struct":
          return `ptr:struct:${t.j}`;
        case "ptr-leaf":
          return `ptr:${leafKey(t.leaf)}`;
        case "array":
          return `arr:${leafKey(t.leaf)}:${t.n}`;
        case "const":
          return `const:${leafKey(t.leaf)}`;
      }
    };
    const need = (key: string): void => {
      if (seen.has(key)) return;
      seen.add(key);
      keys.push(key);
      if (key.startsWith("ptr:") || key.startsWith("const:")) need(key.slice(key.indexOf(":") + 1));
      else if (key.startsWith("arr:")) {
        need(key.slice(4, key.lastIndexOf(":")));
        need("int:int");
      } else if (key.startsWith("struct:")) {
        const j = Number(key.slice(7));
        if (defined[j]! >= 0) for (const t of decls[j]!.variants[defined[j]!]!) need(typeKey(t));
      }
    };
    decls.forEach((_, j) => {
      if (defined[j]! >= 0) need(`struct:${j}`);
    });
    // Random id order (a real CU's order is arbitrary too).
    for (let i = keys.length - 1; i > 0; i--) {
      const r = rng.int(i + 1);
      [keys[i], keys[r]] = [keys[r]!, keys[i]!];
    }
    const idOf = new Map<string, number>();
    keys.forEach((k, i) => idOf.set(k, a.next + i));
    const id = (k: string): number => idOf.get(k)!;
    for (const key of keys) {
      const [kind, rest] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
      if (kind === "int") {
        const l = INTS.find((x) => x.k === "int" && x.name === rest)! as { name: string; size: number };
        a.int(l.name, l.size, BTF_INT_SIGNED);
      } else if (kind === "enum") {
        const j = Number(rest);
        a.enum(`e${j}`, 4, [
          [`E${j}A`, 0],
          [`E${j}B`, j + 1],
        ]);
      } else if (kind === "ptr") a.ptr(id(rest));
      else if (kind === "const") a.const(id(rest));
      else if (kind === "arr") {
        const n = Number(rest.slice(rest.lastIndexOf(":") + 1));
        a.array(id(rest.slice(0, rest.lastIndexOf(":"))), id("int:int"), n);
      } else if (kind === "struct") {
        const j = Number(rest);
        const d = decls[j]!;
        if (defined[j]! < 0) {
          a.fwd(d.name || `anon${j}`, d.isUnion);
          continue;
        }
        let off = 0;
        const members = d.variants[defined[j]!]!.map((t, m): [string, number, number] => {
          const mo = off;
          off += 64;
          return [`m${m}`, id(typeKey(t)), d.isUnion ? 0 : mo];
        });
        const size = d.isUnion ? 8 : off / 8;
        if (d.isUnion) a.union(d.name, size, members);
        else a.struct(d.name, size, members);
      }
    }
  }
  return a.btf;
}
