/*
 * capneed: a test command whose capability needs are known, for `caplab needs`.
 *
 *     capneed ACTION...
 *
 * Runs each action in order inside a sandbox (it writes only below /tmp, the sandbox's
 * fresh tmpfs). A failing action prints "capneed: ACTION: ERROR" on stderr and exits 1;
 * the warn-* actions only print a warning and carry on, so the exit status stays 0.
 *
 *   chown        create /tmp/capneed.chown, give it to 65534:65534    CHOWN
 *   bind80       bind a TCP socket to 0.0.0.0:80                      NET_BIND_SERVICE
 *   raw          open a raw ICMP socket                               NET_RAW
 *   chroot       chroot("/")                                          SYS_CHROOT
 *   mknod        mknod /tmp/capneed.null c 1 3                        MKNOD
 *   sethostname  sethostname("capneed") (the sandbox's own uts ns)    SYS_ADMIN
 *   setuid       setuid(1000) in a child                              SETUID
 *   warn-chmod   chmod a file of user 65534 (made with CHOWN);        CHOWN, and FOWNER
 *                without FOWNER only a warning                        for the same output
 *   flaky        fail half of the time (random)                       -
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *action)
{
    fprintf(stderr, "capneed: %s: %s\n", action, strerror(errno));
    return -1;
}

static int make_foreign_file(const char *path, const char *action)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return fail(action);
    int rc = fchown(fd, 65534, 65534);
    close(fd);
    return rc < 0 ? fail(action) : 0;
}

static int bind80(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return fail("bind80");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(80)};
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    if (rc < 0)
        fail("bind80");
    close(fd);
    return rc;
}

static int raw(void)
{
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (fd < 0)
        return fail("raw");
    close(fd);
    return 0;
}

static int setuid_child(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return fail("setuid");
    if (pid == 0)
        _exit(setuid(1000) < 0 ? 1 : 0);
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return fail("setuid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = EPERM;
        return fail("setuid");
    }
    return 0;
}

static int warn_chmod(void)
{
    const char *path = "/tmp/capneed.chmod";
    if (make_foreign_file(path, "warn-chmod") < 0)
        return -1;
    if (chmod(path, 0600) < 0)
        fprintf(stderr, "capneed: warning: cannot chmod %s: %s\n", path, strerror(errno));
    printf("warn-chmod done\n");
    return 0;
}

static int flaky(void)
{
    unsigned char byte = 0;
    if (getrandom(&byte, 1, 0) != 1)
        return fail("flaky");
    if (byte & 1) {
        fprintf(stderr, "capneed: flaky: failed this time\n");
        return -1;
    }
    return 0;
}

static int run_action(const char *action)
{
    if (strcmp(action, "chown") == 0)
        return make_foreign_file("/tmp/capneed.chown", action);
    if (strcmp(action, "bind80") == 0)
        return bind80();
    if (strcmp(action, "raw") == 0)
        return raw();
    if (strcmp(action, "chroot") == 0)
        return chroot("/") < 0 ? fail(action) : 0;
    if (strcmp(action, "mknod") == 0)
        return mknod("/tmp/capneed.null", S_IFCHR | 0600, makedev(1, 3)) < 0 ? fail(action) : 0;
    if (strcmp(action, "sethostname") == 0)
        return sethostname("capneed", 7) < 0 ? fail(action) : 0;
    if (strcmp(action, "setuid") == 0)
        return setuid_child();
    if (strcmp(action, "warn-chmod") == 0)
        return warn_chmod();
    if (strcmp(action, "flaky") == 0)
        return flaky();
    fprintf(stderr, "capneed: unknown action \"%s\"\n", action);
    return -2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: capneed ACTION...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        int rc = run_action(argv[i]);
        if (rc == -2)
            return 2;
        if (rc < 0)
            return 1;
    }
    return 0;
}
