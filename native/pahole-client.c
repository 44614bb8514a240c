// btfkit-pahole's fast path for module encodes: a kernel build starts btfkit-pahole once per module (1,019 times for
// Debian's cloud kernel), and Node's start-up alone (~0.1 s of CPU) costs more than the encode through the service
// (src/cli/pahole/service-client.cts). This client does what that one does when a service is running, without
// Node: it finds the service's socket, sends the command line, prints what the service answers and exits with its
// exit code. Everything else (no service yet, the service off, not a module encode, a service that fails) is
// handed to the Node entry, bin/btfkit-pahole.cjs, by exec, so the behaviour is the Node client's.
//
// Built by `npm run build` (scripts/build-native.mjs) into dist/native/btfkit-pahole-client when a C compiler is
// there; bin/btfkit-pahole runs it when it exists. It must agree with service-client.cts on three things, which
// test/cli/pahole-native-client.test.ts checks: which command lines are module encodes (moduleEncodeBase), the
// socket's path (socketPath: SHA-256 of the base's and btfkit's identity), and the request format.
//
//   BTFKIT_CLIENT_DEBUG=1 btfkit-pahole ARGS   prints "socket PATH" or "node REASON" on stderr and exits 0
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef BTFKIT_NODE
#define BTFKIT_NODE "node"
#endif

extern char **environ;

static int debug_mode;

// ---- SHA-256 (FIPS 180-4), for the socket key ----

struct sha256 {
	uint32_t h[8];
	uint8_t block[64];
	size_t used;
	uint64_t bytes;
};

static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(struct sha256 *s, const uint8_t *p) {
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
		uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_init(struct sha256 *s) {
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(s->h, h0, sizeof h0);
	s->used = 0;
	s->bytes = 0;
}

static void sha256_update(struct sha256 *s, const void *data, size_t n) {
	const uint8_t *p = data;
	s->bytes += n;
	while (n > 0) {
		size_t take = 64 - s->used < n ? 64 - s->used : n;
		memcpy(s->block + s->used, p, take);
		s->used += take;
		p += take;
		n -= take;
		if (s->used == 64) {
			sha256_block(s, s->block);
			s->used = 0;
		}
	}
}

static void sha256_hex(struct sha256 *s, char out[65]) {
	uint64_t bits = s->bytes * 8;
	uint8_t pad = 0x80;
	sha256_update(s, &pad, 1);
	pad = 0;
	while (s->used != 56) sha256_update(s, &pad, 1);
	uint8_t len[8];
	for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, len, 8);
	for (int i = 0; i < 8; i++) sprintf(out + 8 * i, "%08x", s->h[i]);
	out[64] = 0;
}

static void sha256_str(struct sha256 *s, const char *str) { sha256_update(s, str, strlen(str)); }

static void sha256_u64(struct sha256 *s, unsigned long long v) {
	char buf[32];
	snprintf(buf, sizeof buf, "%llu", v);
	sha256_str(s, buf);
}

static unsigned long long mtime_ns(const struct stat *st) {
	return (unsigned long long)st->st_mtim.tv_sec * 1000000000ull + (unsigned long long)st->st_mtim.tv_nsec;
}

// ---- handing over to the Node entry ----

static char dist_dir[PATH_MAX];

static void run_node(char **argv, const char *why) __attribute__((noreturn));
static void run_node(char **argv, const char *why) {
	if (debug_mode) {
		fprintf(stderr, "node %s\n", why);
		exit(0);
	}
	char entry[PATH_MAX + 64];
	snprintf(entry, sizeof entry, "%s/../bin/btfkit-pahole.cjs", dist_dir);
	int argc = 0;
	while (argv[argc]) argc++;
	char **args = calloc((size_t)argc + 2, sizeof *args);
	if (!args) {
		fprintf(stderr, "btfkit-pahole: out of memory\n");
		exit(1);
	}
	args[1] = entry;
	for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
	// The node that built btfkit, else the one on PATH (bin/btfkit-pahole.cjs's own shebang).
	args[0] = BTFKIT_NODE;
	if (strchr(BTFKIT_NODE, '/') && access(BTFKIT_NODE, X_OK) == 0) execv(BTFKIT_NODE, args);
	args[0] = "node";
	execvp("node", args);
	fprintf(stderr, "btfkit-pahole: cannot run node: %s\n", strerror(errno));
	exit(127);
}

// ---- what service-client.cts decides ----

/** moduleEncodeBase: the --btf_base of a module encode, or NULL when the command line is not one. */
static const char *module_encode_base(int argc, char **argv) {
	const char *base = NULL;
	int encode = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) break;
		if (strcmp(a, "--btf_base") == 0) {
			if (i + 1 < argc) base = argv[++i];
			else base = NULL;
		} else if (strncmp(a, "--btf_base=", 11) == 0) {
			base = a + 11;
		} else if (strcmp(a, "-J") == 0 || strcmp(a, "--btf_encode") == 0 ||
			   strncmp(a, "--btf_encode_detached=", 22) == 0) {
			encode = 1;
		} else if (a[0] == '-' && a[1] != '-') {
			// /^-[A-Za-z]*J/: a cluster of short options with J among its letters
			for (const char *p = a + 1; *p; p++) {
				if (*p == 'J') {
					encode = 1;
					break;
				}
				if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) break;
			}
			if (strcmp(a, "-V") == 0) return NULL;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "--usage") == 0 || strcmp(a, "--version") == 0 ||
			   strncmp(a, "--supported", 11) == 0) {
			return NULL;
		}
	}
	return encode && base && *base ? base : NULL;
}

/** socketPath: the service's socket for `base`, or 0 when there can be none (then Node decides). */
static int socket_path(const char *base, char *out, size_t size) {
	const char *root = getenv("XDG_RUNTIME_DIR");
	char tmp[PATH_MAX];
	if (!root || !*root) {
		// os.tmpdir(): TMPDIR, TMP, TEMP or /tmp, without a trailing slash
		const char *t = getenv("TMPDIR");
		if (!t || !*t) t = getenv("TMP");
		if (!t || !*t) t = getenv("TEMP");
		if (!t || !*t) t = "/tmp";
		snprintf(tmp, sizeof tmp, "%s", t);
		size_t n = strlen(tmp);
		if (n > 1 && tmp[n - 1] == '/') tmp[n - 1] = 0;
		root = tmp;
	}
	uid_t uid = getuid();
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s/btfkit-%u", root, (unsigned)uid) >= (int)sizeof dir) return 0;
	struct stat st;
	// The Node client creates the directory; it must be this user's, a directory, private.
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077) != 0) return 0;

	char real[PATH_MAX];
	if (!realpath(base, real) || stat(real, &st) != 0) return 0;
	struct sha256 h;
	sha256_init(&h);
	sha256_str(&h, real);
	sha256_update(&h, "", 1);
	sha256_u64(&h, (unsigned long long)st.st_dev);
	sha256_update(&h, "", 1);
	sha256_u64(&h, (unsigned long long)st.st_ino);
	sha256_update(&h, "", 1);
	sha256_u64(&h, (unsigned long long)st.st_size);
	sha256_update(&h, "", 1);
	sha256_u64(&h, mtime_ns(&st));
	static const char *const scripts[] = {"service-server.js", "service-worker.js", "main.js"};
	for (int i = 0; i < 3; i++) {
		char script[PATH_MAX + 64];
		snprintf(script, sizeof script, "%s/cli/pahole/%s", dist_dir, scripts[i]);
		struct stat ss;
		if (stat(script, &ss) != 0) return 0;
		sha256_update(&h, "", 1);
		sha256_str(&h, script);
		sha256_update(&h, "", 1);
		sha256_u64(&h, mtime_ns(&ss));
	}
	char hex[65];
	sha256_hex(&h, hex);
	hex[32] = 0;
	return snprintf(out, size, "%s/%s.sock", dir, hex) < (int)size;
}

// ---- the request (one JSON line) and the reply (binary) ----

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n) {
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n) cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			fprintf(stderr, "btfkit-pahole: out of memory\n");
			exit(1);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s) { put(b, s, strlen(s)); }

/** A JSON string of `n` bytes of `s`; bytes from 0x80 are passed as they are (UTF-8, as Node reads them). */
static void put_json(struct buf *b, const char *s, size_t n) {
	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put(b, e, 2);
		} else if (c < 0x20) {
			char e[8];
			snprintf(e, sizeof e, "\\u%04x", c);
			put(b, e, 6);
		} else {
			put(b, (const char *)&s[i], 1);
		}
	}
	put(b, "\"", 1);
}

static int write_all(int fd, const char *p, size_t n) {
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint32_t le32(const unsigned char *p) {
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(int argc, char **argv) {
	debug_mode = getenv("BTFKIT_CLIENT_DEBUG") != NULL && *getenv("BTFKIT_CLIENT_DEBUG") != 0;
	// This binary is DIST/native/btfkit-pahole-client; the scripts are under DIST, as the Node client's __dirname.
	char self[PATH_MAX];
	if (!realpath("/proc/self/exe", self)) {
		fprintf(stderr, "btfkit-pahole: cannot find its own path: %s\n", strerror(errno));
		return 1;
	}
	char *slash = strrchr(self, '/');
	if (slash) *slash = 0;
	slash = strrchr(self, '/');
	if (slash) *slash = 0;
	snprintf(dist_dir, sizeof dist_dir, "%s", self);

	const char *off = getenv("BTFKIT_SERVICE");
	if (off && (strcmp(off, "0") == 0 || strcmp(off, "off") == 0)) run_node(argv, "service off");
	const char *base = module_encode_base(argc, argv);
	if (!base) run_node(argv, "not a module encode");
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (!socket_path(base, sock, sizeof sock)) run_node(argv, "no socket path");
	if (debug_mode) {
		fprintf(stderr, "socket %s\n", sock);
		return 0;
	}

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) run_node(argv, "no socket");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	memcpy(addr.sun_path, sock, strlen(sock) + 1);
	// No service yet (or a stale socket): the Node client starts one and encodes in-process.
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) run_node(argv, "no service");

	struct buf req = {0};
	put_str(&req, "{\"argv\":[");
	for (int i = 1; i < argc; i++) {
		if (i > 1) put(&req, ",", 1);
		put_json(&req, argv[i], strlen(argv[i]));
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd)) run_node(argv, "no working directory");
	put_str(&req, "],\"cwd\":");
	put_json(&req, cwd, strlen(cwd));
	put_str(&req, ",\"env\":{");
	int first = 1;
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || eq == *e) continue;
		if (!first) put(&req, ",", 1);
		first = 0;
		put_json(&req, *e, (size_t)(eq - *e));
		put(&req, ":", 1);
		put_json(&req, eq + 1, strlen(eq + 1));
	}
	put_str(&req, "},\"reply\":\"binary\"}\n");
	signal(SIGPIPE, SIG_IGN);
	if (write_all(fd, req.p, req.len) != 0) run_node(argv, "service closed");

	// The reply: exit code, stdout length, stderr length (each 32-bit little-endian), stdout, stderr.
	struct buf reply = {0};
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR) continue;
			run_node(argv, "service failed");
		}
		if (n == 0) break;
		put(&reply, chunk, (size_t)n);
	}
	close(fd);
	if (reply.len < 12) run_node(argv, "service failed"); // it died on the request: run it here
	const unsigned char *r = (const unsigned char *)reply.p;
	uint32_t code = le32(r), out_len = le32(r + 4), err_len = le32(r + 8);
	if ((uint64_t)12 + out_len + err_len != reply.len) run_node(argv, "service failed");
	(void)write_all(1, reply.p + 12, out_len);
	(void)write_all(2, reply.p + 12 + out_len, err_len);
	return (int)(code & 0xff);
}
