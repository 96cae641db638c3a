/*
 * The deploy hook: a shell command run after a new certificate is
 * installed (reload the web server, copy the files), with the paths in its
 * environment. Bounded: killed after DEPLOY_TIMEOUT_S.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "nacme_linux.h"

#define DEPLOY_TIMEOUT_S 300

int run_deploy_hook(const char *hook, const char *state_dir, const char *name, const cert_meta_t *m)
{
    char dir[NACME_LINUX_NAME_MAX + 1], base[4096], names[1200] = "";
    if (cert_dir_name(name, dir, sizeof dir) != NACME_OK) return EXIT_DEPLOY;
    snprintf(base, sizeof base, "%s/certs/%s", state_dir, dir);
    for (size_t i = 0; i < m->n_ids; i++) {
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, "%s%s", i ? " " : "", m->id_text[i]);
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "nanoacme: cannot run the deploy hook: %s\n", strerror(errno));
        return EXIT_DEPLOY;
    }
    if (pid == 0) {
        char path[4200];
        setenv("NANOACME_CERT_NAME", name, 1);
        setenv("NANOACME_NAMES", names, 1);
        setenv("NANOACME_CERT_DIR", base, 1);
        snprintf(path, sizeof path, "%s/privkey.pem", base);
        setenv("NANOACME_PRIVKEY", path, 1);
        snprintf(path, sizeof path, "%s/cert.pem", base);
        setenv("NANOACME_CERT", path, 1);
        snprintf(path, sizeof path, "%s/chain.pem", base);
        setenv("NANOACME_CHAIN", path, 1);
        snprintf(path, sizeof path, "%s/fullchain.pem", base);
        setenv("NANOACME_FULLCHAIN", path, 1);
        execl("/bin/sh", "sh", "-c", hook, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    for (unsigned tenths = 0; tenths <= DEPLOY_TIMEOUT_S * 10u; tenths++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return EXIT_OK;
            fprintf(stderr, "nanoacme: the deploy hook failed (%s %d): %s\n",
                    WIFEXITED(status) ? "exit status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), hook);
            return EXIT_DEPLOY;
        }
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    (void)waitpid(pid, &status, 0);
    fprintf(stderr, "nanoacme: the deploy hook ran longer than %d s and was stopped: %s\n", DEPLOY_TIMEOUT_S, hook);
    return EXIT_DEPLOY;
}
