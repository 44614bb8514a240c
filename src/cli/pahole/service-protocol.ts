/** What btfkit-pahole's encode service and its clients exchange (service-client.cts, service-server.ts). */

/** One request: what a btfkit-pahole process would have run. */
export interface ServiceRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

/** The answer: what that process would have printed, and its exit code. */
export interface ServiceReply {
  exitCode: number;
  stdout: string;
  stderr: string;
}
