/* The state directory lock (platforms/linux/lock.c). */
#include <sys/file.h>
#include <sys/wait.h>

#include "linux_test_util.h"
#include "nacme_linux.h"

static void test_second_holder_is_refused(void **state)
{
    (void)state;
    char base[400], dir[512], lockfile[600];
    lt_scratch(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/state", base);
    snprintf(lockfile, sizeof lockfile, "%s/.lock", dir);
    int fd1 = -1, fd2 = 12345;
    assert_int_equal(nacme_linux_lock(dir, &fd1), NACME_OK);
    assert_true(fd1 >= 0);
    assert_int_equal(lt_mode(dir), 0700);
    assert_int_equal(lt_mode(lockfile), 0600);
    /* a second open file description, in this process: refused */
    assert_int_equal(nacme_linux_lock(dir, &fd2), NACME_ERR_LOCKED);
    assert_int_equal(fd2, -1);
    /* another process: refused too */
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = -1;
        _exit(nacme_linux_lock(dir, &fd) == NACME_ERR_LOCKED ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    /* released by unlock */
    nacme_linux_unlock(fd1);
    assert_int_equal(nacme_linux_lock(dir, &fd2), NACME_OK);
    int fd3 = -1;
    assert_int_equal(nacme_linux_lock(dir, &fd3), NACME_ERR_LOCKED);
    nacme_linux_unlock(fd2);
    assert_int_equal(nacme_linux_lock(dir, &fd3), NACME_OK); /* the existing file is reused */
    nacme_linux_unlock(fd3);
    nacme_linux_unlock(-1); /* ignored */
    lt_rm_rf(base);
}

static void test_lock_errors(void **state)
{
    (void)state;
    int fd = 7;
    assert_int_equal(nacme_linux_lock(NULL, &fd), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_lock("/tmp", NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_lock("", &fd), NACME_ERR_ARG);
    char *longdir = malloc(NACME_LINUX_DIR_MAX + 2);
    memset(longdir, 'd', NACME_LINUX_DIR_MAX + 1);
    longdir[NACME_LINUX_DIR_MAX + 1] = '\0';
    assert_int_equal(nacme_linux_lock(longdir, &fd), NACME_ERR_TOO_LARGE);
    free(longdir);
    assert_int_equal(fd, -1);
    /* a parent that does not exist, and a file where the folder should be */
    assert_int_equal(nacme_linux_lock("/nonexistent-nacme/x/y", &fd), NACME_ERR_STORAGE);
    char base[400], file[512];
    lt_scratch(base, sizeof base);
    snprintf(file, sizeof file, "%s/file", base);
    FILE *f = fopen(file, "w");
    fclose(f);
    assert_int_equal(nacme_linux_lock(file, &fd), NACME_ERR_STORAGE);
    lt_rm_rf(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_holder_is_refused),
        cmocka_unit_test(test_lock_errors),
    };
    return cmocka_run_group_tests_name("linux-lock", tests, NULL, NULL);
}
