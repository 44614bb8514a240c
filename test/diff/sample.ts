import type { Btf } from "../../src/btf/btf.js";
import { BtfAsm, type Member } from "../util/btf-asm.js";

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
  const a = new BtfAsm();
  const int = a.int("int", 4);
  const long = a.int("long int", 8);
  const char = a.int("char", 1, 0);
  const fooMembers: Member[] = [
    ["a", int, 0],
    ["x", changes.memberType ? long : int, 32],
  ];
  if (changes.memberAdded) fooMembers.push(["y", int, 64]);
  // The size stays 8 with memberType, so that the member's type is the only difference.
  const foo = a.struct("foo", changes.memberAdded ? 12 : 8, fooMembers);
  const fooPtr = a.ptr(foo);
  const anonUnion = a.union("", 8, [
    ["u1", int, 0],
    ["u2", changes.nestedUnion ? fooPtr : long, 0],
  ]);
  const barPtr = a.ptr(
    a.struct("bar", 16, [
      ["p", fooPtr, 0],
      ["", anonUnion, 64],
    ]),
  );
  a.enum("e", 4, [
    ["A", 1],
    ["B", changes.enumValue ? 3 : 2],
  ]);
  a.typedef("foo_t", foo);
  a.func(
    "f",
    a.proto(int, [
      ["a", changes.funcProto ? long : int],
      ["b", barPtr],
    ]),
    1,
  );
  const v = a.var("v", int, 1);
  if (!changes.varRemoved) a.var("w", long, 0);
  const arr = a.array(char, a.int("unsigned int", 4, 0), 16);
  a.datasec(".data", 20, [
    [v, 0, 4],
    [a.var("name", arr, 1), 4, 16],
  ]);
  return a.btf;
}
