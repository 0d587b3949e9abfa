/* SPDX-License-Identifier: MIT */
/* bench-peak-rss OUTFILE CMD [ARGS...]: runs CMD, writes its peak RSS (kB) to
 * OUTFILE, exits with its status. Why a helper: Linux carries a process's
 * pre-exec memory high-water mark into ru_maxrss across exec, so a child
 * forked from the Python runner reports at least the runner's own RSS
 * (~17 MB). Forked from this small program instead, the floor is this
 * program's RSS (about 1 MB), below every client measured. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench-peak-rss OUTFILE CMD [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) return 127;
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("bench-peak-rss: exec");
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) return 127;
    FILE* f = fopen(argv[1], "w");
    if (f != NULL) {
        fprintf(f, "%ld\n", ru.ru_maxrss);
        fclose(f);
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
