import { Btf } from "../../src/btf/btf.js";
import { BTF_INT_SIGNED, BTF_KIND, makeIntWord } from "../../src/btf/kinds.js";

/** Variations of the sample BTF, each one change away from the original. */
export interface SampleChanges {
  /** struct foo member `x` becomes `long int` instead of `int`. */
  memberType?: boolean;
  /** struct foo gains a member `y` at byte 8 (size 12). */
  memberAdded?: boolean;
  /** enum e's enumerator B becomes 3 instead of 2. */
  enumValue?: boolean;
  /** func f's parameter `a` becomes `long int`. */
  funcProto?: boolean;
  /** var w is left out. */
  varRemoved?: boolean;
  /** member u2 of struct bar's anonymous union becomes `struct foo *` instead of `long int`. */
  nestedUnion?: boolean;
}

/**
 * The BTF of, in C:
 *
 *   struct foo { int a; int x; };
 *   struct bar { struct foo *p; union { int u1; long u2; }; };
 *   enum e { A = 1, B = 2 };
 *   typedef struct foo foo_t;
 *   int f(int a, struct bar *b);
 *   int v;            // in .data
 *   static long w;    // not in any section
 *   char name[16];    // in .data
 *
 * with `changes` applied. Types are added in a fixed order; tests permute ids themselves.
 */
export function buildSample(changes: SampleChanges = {}): Btf {
  const btf = new Btf();
  const int = btf.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
  const long = btf.addNamed("long int", BTF_KIND.INT, 0, false, 8, [makeIntWord(BTF_INT_SIGNED, 0, 64)]);
  const char = btf.addNamed("char", BTF_KIND.INT, 0, false, 1, [makeIntWord(0, 0, 8)]);
  const s = (x: string): number => btf.strings.intern(x);

  const fooMembers = [s("a"), int, 0, s("x"), changes.memberType ? long : int, 32];
  if (changes.memberAdded) fooMembers.push(s("y"), int, 64);
  // The size stays 8 with memberType, so that the member's type is the only difference.
  const fooSize = changes.memberAdded ? 12 : 8;
  const foo = btf.addNamed("foo", BTF_KIND.STRUCT, fooMembers.length / 3, false, fooSize, fooMembers);
  const fooPtr = btf.addNamed("", BTF_KIND.PTR, 0, false, foo);
  const u2Type = changes.nestedUnion ? fooPtr : long;
  const anonUnion = btf.addNamed("", BTF_KIND.UNION, 2, false, 8, [s("u1"), int, 0, s("u2"), u2Type, 0]);
  const bar = btf.addNamed("bar", BTF_KIND.STRUCT, 2, false, 16, [s("p"), fooPtr, 0, 0, anonUnion, 64]);
  const barPtr = btf.addNamed("", BTF_KIND.PTR, 0, false, bar);
  btf.addNamed("e", BTF_KIND.ENUM, 2, false, 4, [s("A"), 1, s("B"), changes.enumValue ? 3 : 2]);
  btf.addNamed("foo_t", BTF_KIND.TYPEDEF, 0, false, foo);
  const proto = btf.addNamed("", BTF_KIND.FUNC_PROTO, 2, false, int, [s("a"), changes.funcProto ? long : int, s("b"), barPtr]);
  btf.addNamed("f", BTF_KIND.FUNC, 1, false, proto);
  const v = btf.addNamed("v", BTF_KIND.VAR, 0, false, int, [1]);
  if (!changes.varRemoved) btf.addNamed("w", BTF_KIND.VAR, 0, false, long, [0]);
  const u32Index = btf.addNamed("unsigned int", BTF_KIND.INT, 0, false, 4, [makeIntWord(0, 0, 32)]);
  const arr = btf.addNamed("", BTF_KIND.ARRAY, 0, false, 0, [char, u32Index, 16]);
  const nameVar = btf.addNamed("name", BTF_KIND.VAR, 0, false, arr, [1]);
  btf.addNamed(".data", BTF_KIND.DATASEC, 2, false, 20, [v, 0, 4, nameVar, 4, 16]);
  return btf;
}
