// Reference oracle for btfkit's dedup: runs libbpf's btf__dedup on a BTF file and writes the result as raw BTF.
//
//   libbpf-dedup IN OUT [BASE] [REPEAT]
//
// IN is raw BTF or an ELF file with .BTF; with BASE, IN is split BTF on BASE and only the split part is written.
// REPEAT (default 1) re-parses and re-dedups that many times, for timing. Prints one JSON line:
//   {"ms":[...dedup times...],"cpuMs":[...dedup CPU times...],"typesIn":N,"typesOut":N,"maxRssKb":N,"libbpf":"v1.1"}
// Shipped in the package (native/) for `btfkit bench dedup`, which builds it on first use into the user's cache
// directory; also built by test/dedup/libbpf-helper.ts and bench/dedup.mjs. Build: cc -O2 libbpf-dedup.c -lbpf
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this process (user + system), for comparisons on a busy machine. */
static double cpu_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct btf *parse(const char *path, struct btf *base) {
	struct btf *btf = base ? btf__parse_split(path, base) : btf__parse(path, NULL);
	if (!btf) {
		fprintf(stderr, "libbpf-dedup: cannot parse %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return btf;
}

int main(int argc, char **argv) {
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: libbpf-dedup IN OUT [BASE] [REPEAT]\n");
		return 2;
	}
	struct btf *base = NULL;
	if (argc >= 4 && argv[3][0] != '\0') base = parse(argv[3], NULL);
	int repeat = argc == 5 ? atoi(argv[4]) : 1;
	if (repeat < 1) repeat = 1;
	unsigned start_id = base ? btf__type_cnt(base) : 1;

	printf("{\"ms\":[");
	unsigned types_in = 0, types_out = 0;
	double *cpu = calloc(repeat, sizeof(double));
	if (!cpu) return 1;
	for (int r = 0; r < repeat; r++) {
		struct btf *btf = parse(argv[1], base);
		types_in = btf__type_cnt(btf) - start_id;
		double t0 = now_ms(), c0 = cpu_ms();
		int err = btf__dedup(btf, NULL);
		double t1 = now_ms();
		cpu[r] = cpu_ms() - c0;
		if (err) {
			fprintf(stderr, "libbpf-dedup: btf__dedup failed: %s\n", strerror(-err));
			return 1;
		}
		types_out = btf__type_cnt(btf) - start_id;
		printf("%s%.3f", r ? "," : "", t1 - t0);
		if (r == repeat - 1) {
			__u32 size = 0;
			const void *data = btf__raw_data(btf, &size);
			FILE *f = fopen(argv[2], "wb");
			if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
				fprintf(stderr, "libbpf-dedup: cannot write %s\n", argv[2]);
				return 1;
			}
		}
		btf__free(btf);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("],\"cpuMs\":[");
	for (int r = 0; r < repeat; r++) printf("%s%.3f", r ? "," : "", cpu[r]);
	free(cpu);
	printf("],\"typesIn\":%u,\"typesOut\":%u,\"maxRssKb\":%ld,\"libbpf\":\"%s\"}\n", types_in, types_out, ru.ru_maxrss,
	       libbpf_version_string());
	btf__free(base);
	return 0;
}
