/**
 * The BTF assembler for dump tests (see ../util/btf-asm.ts), with its own defaults: `int` takes an encoding name,
 * `array` takes the element count before the index type, FUNC and VAR default to global linkage, and a struct with
 * any bitfield gets kind_flag set (offsets then carry the bitfield size in their top byte, as pahole writes them).
 */
import { BtfAsm, type Member } from "../util/btf-asm.js";

export type { Member };

export class BtfBuilder extends BtfAsm {
  protected override readonly defaultLinkage = 1;
  protected override defaultKflag(members: Member[]): boolean {
    return members.some((m) => (m[3] ?? 0) > 0);
  }
  override array(elem: number, nelems: number, indexType: number): number {
    return super.array(elem, indexType, nelems);
  }
  funcProto(ret: number, params: [string, number][]): number {
    return this.proto(ret, params);
  }
}

/** Lines joined with "\n" (expected C text is easier to read as one string per line). */
export function lines(...ls: string[]): string {
  return ls.join("\n");
}
