/**
 * Where the tests find their inputs: committed fixtures, the running kernel's BTF, the Debian kernel debug package
 * (downloaded by `scripts/fetch-debian-kernel.sh`, never in CI), and optional peer tools. Every optional input
 * comes with the reason it is missing, so skipping tests can say why.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = join(REPO_ROOT, "test/fixtures");
export const BTF_FIXTURES = join(FIXTURES, "btf");
export const SYS_VMLINUX = "/sys/kernel/btf/vmlinux";

export interface Optional<T> {
  value?: T;
  /** Why it is absent (for skip messages). */
  missing?: string;
}

/** The Debian 6.1 cloud kernel debug package, extracted. */
export interface DebianKernel {
  vmlinux: string;
  modulesDir: string;
}

const DEBIAN_RELEASE = "6.1.0-56-cloud-amd64";

export function debianKernel(): Optional<DebianKernel> {
  const roots = [process.env.BTFKIT_CACHE, join(REPO_ROOT, ".cache"), "/work/cache"].filter((x): x is string => !!x);
  for (const root of roots) {
    const base = join(root, "linux-dbg/usr/lib/debug");
    const vmlinux = join(base, "boot", `vmlinux-${DEBIAN_RELEASE}`);
    const modulesDir = join(base, "lib/modules", DEBIAN_RELEASE);
    if (existsSync(vmlinux) && existsSync(modulesDir)) return { value: { vmlinux, modulesDir } };
  }
  return {
    missing: `Debian kernel debug package not extracted (run scripts/fetch-debian-kernel.sh; looked in ${roots.join(", ")})`,
  };
}

/** Some .ko files of the Debian package, smallest first, at most `n`. */
export function debianModules(k: DebianKernel, n: number): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ko")) out.push(p);
    }
  };
  walk(k.modulesDir);
  out.sort();
  return out.slice(0, n);
}

export function sysVmlinux(): Optional<string> {
  return existsSync(SYS_VMLINUX)
    ? { value: SYS_VMLINUX }
    : { missing: `${SYS_VMLINUX} does not exist (kernel without CONFIG_DEBUG_INFO_BTF)` };
}

/** A peer command on PATH (bpftool, pahole, …). */
export function tool(name: string): Optional<string> {
  try {
    const p = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    if (p) return { value: p };
  } catch {
    /* not found */
  }
  return { missing: `${name} is not installed (apt-get install ${name === "pahole" ? "dwarves" : name})` };
}

/** Print a visible skip notice once per reason. */
const announced = new Set<string>();
export function announceSkip(what: string, o: Optional<unknown>): boolean {
  if (o.value !== undefined) return false;
  const msg = `SKIP: ${what}: ${o.missing}`;
  if (!announced.has(msg)) {
    announced.add(msg);
    console.warn(msg);
  }
  return true;
}
