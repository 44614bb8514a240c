/*
 * btf-load: ask the running kernel whether it accepts a raw BTF blob.
 *
 *   btf-load FILE
 *
 * Loads FILE with bpf(BPF_BTF_LOAD) and prints one verdict line:
 *   OK                   the kernel accepted the BTF (the fd is closed again at once)
 *   REJECT <errno> <name> the kernel refused it; the verifier log follows on the next lines
 * Exit codes (distinct so test code can tell a verdict from "cannot ask"):
 *   0  OK
 *   1  REJECT
 *   2  usage or I/O error (cannot read FILE)
 *   3  the syscall is not available or not permitted here (ENOSYS, EPERM, EACCES); the reason is printed
 *
 * The verdict comes from a load without a log, because with log_level 1 the kernel logs every type and a log that
 * overflows its buffer makes the load fail with ENOSPC even for valid BTF. Only after a rejection do we load
 * again with a log to show the kernel's message.
 *
 * The bpf_attr layout is written out here (not taken from <linux/bpf.h>) so that the helper builds with old
 * system headers; the fields are those of the BPF_BTF_LOAD member of union bpf_attr in include/uapi/linux/bpf.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_bpf
#if defined(__x86_64__)
#define __NR_bpf 321
#elif defined(__aarch64__)
#define __NR_bpf 280
#else
#error "define __NR_bpf for this architecture"
#endif
#endif

#define BPF_BTF_LOAD_CMD 18

struct btf_load_attr {
	uint64_t btf;
	uint64_t btf_log_buf;
	uint32_t btf_size;
	uint32_t btf_log_size;
	uint32_t btf_log_level;
	uint32_t btf_log_true_size;
	uint32_t btf_flags;
	int32_t btf_token_fd;
};

/* 16 MiB - 1: the largest log older kernels accept (newer ones allow more). */
#define LOG_SIZE ((16u << 20) - 1)

static int btf_load(const void *data, size_t size, char *log, uint32_t log_size, uint32_t log_level)
{
	struct btf_load_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.btf = (uint64_t)(uintptr_t)data;
	attr.btf_size = (uint32_t)size;
	attr.btf_log_buf = (uint64_t)(uintptr_t)log;
	attr.btf_log_size = log_size;
	attr.btf_log_level = log_level;
	/* Older kernels accept the longer attr as long as the fields they do not know are zero. */
	return (int)syscall(__NR_bpf, BPF_BTF_LOAD_CMD, &attr, sizeof(attr));
}

static int not_permitted(int err)
{
	return err == ENOSYS || err == EPERM || err == EACCES;
}

int main(int argc, char **argv)
{
	FILE *f;
	char *data = NULL;
	size_t size = 0, cap = 0, n;
	int fd, err;
	char *log;

	if (argc != 2) {
		fprintf(stderr, "usage: btf-load FILE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "btf-load: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	for (;;) {
		if (size == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			data = realloc(data, cap);
			if (!data) {
				fprintf(stderr, "btf-load: out of memory\n");
				return 2;
			}
		}
		n = fread(data + size, 1, cap - size, f);
		if (n == 0)
			break;
		size += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "btf-load: %s: read error\n", argv[1]);
		return 2;
	}
	fclose(f);

	fd = btf_load(data, size, NULL, 0, 0);
	if (fd >= 0) {
		close(fd);
		printf("OK\n");
		return 0;
	}
	err = errno;
	if (not_permitted(err)) {
		printf("UNAVAILABLE %d %s\n", err, strerror(err));
		return 3;
	}
	printf("REJECT %d %s\n", err, strerror(err));

	log = calloc(1, LOG_SIZE + 1);
	if (log) {
		fd = btf_load(data, size, log, LOG_SIZE, 1);
		if (fd >= 0) {
			/* Accepted with a log but not without one: should not happen; say so rather than hide it. */
			close(fd);
			printf("(accepted when loaded again with a log)\n");
		}
		fputs(log, stdout);
		if (log[0] && log[strlen(log) - 1] != '\n')
			putchar('\n');
	}
	return 1;
}
