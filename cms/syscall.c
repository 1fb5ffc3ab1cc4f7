/* cms/syscall.c — Linux i386 system calls at `int $0x80`.
 *
 * Number in EAX, arguments in EBX, ECX, EDX, ESI, EDI, EBP, result (or
 * -errno) in EAX (Linux arch/x86/entry/syscalls/syscall_32.tbl).  The
 * guest gets exit, exit_group, read (stdin), write (stdout/stderr), brk and
 * set/get_thread_area (cms/tls.c);
 * everything else returns -ENOSYS and is counted for --stats. */
#include "cms/cms_priv.h"

#include <errno.h>
#include <unistd.h>

enum {
	NR_exit = 1, NR_read = 3, NR_write = 4, NR_brk = 45, NR_set_thread_area = 243,
	NR_get_thread_area = 244, NR_exit_group = 252,
};

const char *syscall_name(uint32_t nr)
{
	switch (nr) {
	case NR_exit: return "exit";
	case NR_read: return "read";
	case NR_write: return "write";
	case NR_brk: return "brk";
	case NR_set_thread_area: return "set_thread_area";
	case NR_get_thread_area: return "get_thread_area";
	case NR_exit_group: return "exit_group";
	default: return NULL;  /* not emulated: -ENOSYS */
	}
}

/* Largest chunk moved per host call, so a huge count never needs a huge buffer. */
enum { IO_CHUNK = 65536 };

static int32_t sys_write(struct cms *m, uint32_t fd, uint32_t buf, uint32_t count)
{
	int host = fd == 1 ? m->fd_out : fd == 2 ? m->fd_err : -1;
	if (host < 0)
		return -EBADF;
	if (!gm_range_mapped(m, buf, count, 0))
		return -EFAULT;
	uint32_t done = 0;
	while (done < count) {
		uint32_t n = count - done < IO_CHUNK ? count - done : IO_CHUNK;
		ssize_t w = write(host, chip_mem(m->chip) + buf + done, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return done ? (int32_t)done : -errno;
		}
		done += (uint32_t)w;
		gm_time_access(m, buf + done - (uint32_t)w, 1, 0);
	}
	return (int32_t)done;
}

static int32_t sys_read(struct cms *m, uint32_t fd, uint32_t buf, uint32_t count)
{
	if (fd != 0)
		return -EBADF;
	if (!gm_range_mapped(m, buf, count, 1))
		return -EFAULT;
	uint32_t n = count < IO_CHUNK ? count : IO_CHUNK;
	ssize_t r;
	do
		r = read(m->fd_in, chip_mem(m->chip) + buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	gm_written(m, buf, (uint32_t)r);
	return (int32_t)r;
}

void syscall_dispatch(struct cms *m)
{
	uint32_t *r = m->xr;
	uint32_t nr = r[X86_EAX];
	m->st.syscalls[nr < MAX_SYSCALL_NR ? nr : MAX_SYSCALL_NR]++;
	int32_t ret;
	switch (nr) {
	case NR_exit:
	case NR_exit_group:
		m->exited = 1;
		m->exit_status = (int)(r[X86_EBX] & 0xff);
		return;
	case NR_write:
		ret = sys_write(m, r[X86_EBX], r[X86_ECX], r[X86_EDX]);
		break;
	case NR_read:
		ret = sys_read(m, r[X86_EBX], r[X86_ECX], r[X86_EDX]);
		break;
	case NR_brk:
		ret = (int32_t)gm_brk(m, r[X86_EBX]);
		break;
	case NR_set_thread_area:
		ret = sys_set_thread_area(m, r[X86_EBX]);
		break;
	case NR_get_thread_area:
		ret = sys_get_thread_area(m, r[X86_EBX]);
		break;
	default:
		m->st.enosys++;
		ret = -ENOSYS;
		break;
	}
	r[X86_EAX] = (uint32_t)ret;
}
