/* MIT licence: see LICENSE. */
/*
 * tls.c - unit tests of lib/tls.c: our client against our server over a
 * socketpair, with RSA (PKCS#8) and ECDSA (SEC1) keys: the handshake,
 * the session wording, data both ways, certificate and host name checks.
 * The certificates (a test CA, mx.example.com) were made by openssl once
 * and are valid until 2126; the keys are test keys, nothing else.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/io.h"
#include "../../lib/str.h"
#include "../../lib/tls.h"
#include "t.h"

static const char ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDBTCCAe2gAwIBAgIUc9WYgwTF6KruLLDQO2BL2q+7KekwDQYJKoZIhvcNAQEL\n"
    "BQAwETEPMA0GA1UEAwwGVGVzdENBMCAXDTI2MTEyMjAzNDIzMVoYDzIxMjYxMDI5\n"
    "MDM0MjMxWjARMQ8wDQYDVQQDDAZUZXN0Q0EwggEiMA0GCSqGSIb3DQEBAQUAA4IB\n"
    "DwAwggEKAoIBAQDEi6K1ChEsh/QF2l6NHwO7JCR+KVweYdDMzXSA/uLn3ASjVuDs\n"
    "WeHJd7tko66YEbL3fhNJxtDTBDl8aL4xrYkkc49Xn6+FiqL3IC8S0IaXe1S43PTF\n"
    "P4BMKy6tYnPpWHkV0VMitnch+be8TY4Z4VKCM/IJS1TiqK9duBU2ue4EYJwzptc8\n"
    "QMqMGjoYscz9bbawB/RxqAIOX5naJhyG4YVfcxx/wLs+FuqLE1TgkTMECdK82lp7\n"
    "8+vZTgZ45sWgLC+p62FVJQJBsaYpndcHPSOLAAIvkQhAAiUP6hbUtetiHkhi+jEH\n"
    "XEOi27Ov8O0T0NTafFSoKuxbb62JTb8SbbbrAgMBAAGjUzBRMB0GA1UdDgQWBBRY\n"
    "4g8KaUgWQbrCIGuxrxTXMqlD8DAfBgNVHSMEGDAWgBRY4g8KaUgWQbrCIGuxrxTX\n"
    "MqlD8DAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQAf/pUERa9I\n"
    "AeqTqQRMjpIWxIVF11R7nxpXVdqIx1EsujU8BkpJA1XDqOgJBliTjK6jo3yq5t+e\n"
    "lPPy4LPonwCDi+GHpnKzbjF/Ja9/lrATEg7gN1lF2Aq7sETu375LWdo2AQJdlMh7\n"
    "JAVUYBTvvgr6Kqq7Q1Q83MSST/XQycA4cT+qwmYbGCH4bp3riQDy4eDavFQ67JE0\n"
    "5RUToEhA2a/Zd86kh3UJxiKPx8sBD/m0pOxWwi5+V6hRgRYN+DS/LfdKEeJNcvqU\n"
    "mzT0g5UbluAeFKAIuuSAYpyi75H4MKCVad23bO04nFov7Gz8QcQ4ynWaSZ0sQN+0\n"
    "Ccp1lbd3f6IJ\n"
    "-----END CERTIFICATE-----\n";

static const char rsa_crt[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDFzCCAf+gAwIBAgIUbUGZWx+89f78mr3dMVBlYK8PgD0wDQYJKoZIhvcNAQEL\n"
    "BQAwETEPMA0GA1UEAwwGVGVzdENBMCAXDTI2MTEyMjAzNDIzMVoYDzIxMjYxMDI5\n"
    "MDM0MjMxWjAZMRcwFQYDVQQDDA5teC5leGFtcGxlLmNvbTCCASIwDQYJKoZIhvcN\n"
    "AQEBBQADggEPADCCAQoCggEBAJA6jBD/fZCUGL3OEUvUeeF1OskjfLP+HUxsKfuP\n"
    "C1qqK00HxbfxOIEncs7Dyoat7ndgzUFZ7dhNxz6UofM0eMojeyxklPIe5ZXgErOY\n"
    "C9eut9QQqG3UEFJL9d2lno7OjA7Z8qe4VFLObFnv6A5HEubJOP7wfju8iNluFi+B\n"
    "5ZoXTCYGsCCgMOjtMweWIy164s+qkISOvln+0ai2jaTLpOtdOEm86dujkRXeH0A9\n"
    "OeBl9kedaTeB7XlpNiUMMrvVg67Uy0myjvmBbzS/FqvRJDUMKTvRXzfbvxOtn+cr\n"
    "XZdsthf7e/Rpyn4SKGtEYTDIkhqyLuWpKWNCyz5dMvwEwhMCAwEAAaNdMFswGQYD\n"
    "VR0RBBIwEIIObXguZXhhbXBsZS5jb20wHQYDVR0OBBYEFC3SlDzWWiwihPw6/uDS\n"
    "y4l8w1EtMB8GA1UdIwQYMBaAFFjiDwppSBZBusIga7GvFNcyqUPwMA0GCSqGSIb3\n"
    "DQEBCwUAA4IBAQB9nCFIhu61PFKNXjis0Tk1+1cDVmqq2XgHDfioyOEGI5BKMi6+\n"
    "Zq8HY4qjorJ7yvV4ay1eN5S4o169zRfXBwQ42+KiMG11AWtCZC1q29CNbS+8gwI1\n"
    "PdMbLV9yPUyVuid7/t1OGt3ewXA9cobgtgD8lfazUZ47HQc4Sny8x7/QRnGrRS7I\n"
    "O6Vq18AnuzXmUnuznK7CMphhWaJNpi8h4k8hvoKUM5MZhgEqZ2ndLIx5Q5j7yn8E\n"
    "x8juxSoeyAZ+5zk9bFMpG+TGcrWkP32CXBTvpSnKmeydaIHH8WPqYGqQkFI7fno9\n"
    "GtdkY4xlI41/hc0e6t0pt3REcTERZuOlJVNN\n"
    "-----END CERTIFICATE-----\n";

static const char rsa_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCQOowQ/32QlBi9\n"
    "zhFL1HnhdTrJI3yz/h1MbCn7jwtaqitNB8W38TiBJ3LOw8qGre53YM1BWe3YTcc+\n"
    "lKHzNHjKI3ssZJTyHuWV4BKzmAvXrrfUEKht1BBSS/XdpZ6OzowO2fKnuFRSzmxZ\n"
    "7+gORxLmyTj+8H47vIjZbhYvgeWaF0wmBrAgoDDo7TMHliMteuLPqpCEjr5Z/tGo\n"
    "to2ky6TrXThJvOnbo5EV3h9APTngZfZHnWk3ge15aTYlDDK71YOu1MtJso75gW80\n"
    "vxar0SQ1DCk70V83278TrZ/nK12XbLYX+3v0acp+EihrRGEwyJIasi7lqSljQss+\n"
    "XTL8BMITAgMBAAECggEANPs02ceozhQBFLRemS8HyMECI8Ij/JC0HY88StsMrjUF\n"
    "rAnXYU881QDzRS4aNygsifDm5YNOAl/r+bqq1UboukSXakLWjiy4ZLqH1C5d51CY\n"
    "2c92t8WnazvZKR8+ZDJOs+PvJhpp63NFzTH6WkhUkq/HfqtEi9gho1Gz16bNe7FX\n"
    "CMj2EeZpeMMkIiwmX7i5pF7upXOCbpa4BKC54TfnUzIQmGz+wtvjPg2WYmKWQQ3n\n"
    "8rTIGXWDgw2oXJyg6A50JnaPYyj72viX1+albSfnNyyNDPDhCERhiwV7PFN01bp2\n"
    "9SReoDgjwYYqwL4h2NopwUc8rLOJDG4EyERXlt/t6QKBgQDDDKCSknYMWRs9K11P\n"
    "wJVeJ0I+MjtNYey58M7ARn89NyqcudlJ+zZHfy7P8JYyv/m1QB5ZlZt0kjKmjqYA\n"
    "PqBQHKLnkfcgwrlX2jU0NUS4Cy/mk/lg+Olq3qWmd3vg6x2ENh2IQMHDpuYbnK45\n"
    "DkI6jG7tDLk3fkzrP6qPsvXqGwKBgQC9TGtSeacJV9Uu+cECuapKSIn6Fw1h9sF9\n"
    "BuEKBJx1yt1P3y2Vvo1DBIQviGIhgdt8xJpVSR+9epq90dzbpxWrovedBHoEdRnH\n"
    "7PV49UF04zqSvj0sNVRR8tNjYEqOUVMYbfOKbtUed33BkG3A1Dv+4zhtZfFTGjJ3\n"
    "99Z4L1MHaQKBgQCMMIc40gwG1AS/8mse50x0X8M88N2uwLNk8a+ogwLw/LWj7/A9\n"
    "PFHHEaKT0lgiIdlYbL1jpiQVpP7Ct8SYaGrRKcPsrPzyjwKoIi4bWC4MGf5TvAeB\n"
    "q2YZae2luDtRbavJWxve0qxx84NwVSzj1VvEuSsBNiPpvt2KODhfEEGwAQKBgQCa\n"
    "XDNzuJG187J6MNzr3Px4wHgKwDuAc9fJnQ9qvOHcx8T5+ZJRdmX4jTlBDWR/0EVr\n"
    "k2IKQ6unNc/zE6uWTcRFBooFtv3MnrScK6Trsopix1wfBxQY9Y/Bl1I6ye1h6fzp\n"
    "gddDPid5RZT9f0mQIUCfEygTRTqpOkaHP0jbDjQVaQKBgEZ0/YNhZlrwtGAkoTgN\n"
    "i81MMjkbREKDoAbEo7G0X5Wms16EfZy1A7ruNOFGNehcqbsXHJKpwgeEKwb+cGj0\n"
    "bYz4ey80ZiQ5LrgpP0zI/KLtvI8J6u4VfSiRJlf49gtiNWYcz/3jujrk5LlHJmoI\n"
    "IXNhMYNkNi2H8ltjfcNdIUU1\n"
    "-----END PRIVATE KEY-----\n";

static const char ec_crt[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICTDCCATSgAwIBAgIUbUGZWx+89f78mr3dMVBlYK8PgD4wDQYJKoZIhvcNAQEL\n"
    "BQAwETEPMA0GA1UEAwwGVGVzdENBMCAXDTI2MTEyMjAzNDIzMVoYDzIxMjYxMDI5\n"
    "MDM0MjMxWjAZMRcwFQYDVQQDDA5teC5leGFtcGxlLmNvbTBZMBMGByqGSM49AgEG\n"
    "CCqGSM49AwEHA0IABEjm8aC7TEYcvS31wCfRnNhspnBoPj/0jSYYk7dkBRSVHPOm\n"
    "U/tLuvsySZvxqWL1hxZPThVhUNogDFRgmGzCqQyjXTBbMBkGA1UdEQQSMBCCDm14\n"
    "LmV4YW1wbGUuY29tMB0GA1UdDgQWBBRwZywtkwYUVdtIbpt6If9FG5k5BDAfBgNV\n"
    "HSMEGDAWgBRY4g8KaUgWQbrCIGuxrxTXMqlD8DANBgkqhkiG9w0BAQsFAAOCAQEA\n"
    "rRpWulMBzrYfPVxc0AGLGSzFg2GmpapdgMi2zNqFdL7xUClhhMkviE/pVO4I2fus\n"
    "nZMx/OVxjiLUDiSwk1ZLdm1PIrazTHnnkapJqGnKwq8Zq4hKBU12AGGCp1ppuRZ8\n"
    "fs62q/24Fm1gnw0iekMfsPJ3dgSbVV4KV3R5KDn2mnlnAdgoNr9B2jj0zezX4hzc\n"
    "YkC6plFTx04UneGTkRft75tUimV/Koq/lteB+vhyeFbYnV1yqEmpFC90id7NEV4D\n"
    "rS75IgadUoTtWzKU1FRSWygcEtqaQuFVz/lipzMyHG5sxKaro5eMJX7cravwDQSP\n"
    "Hwv2n+KHJmYIuoMixB48Ag==\n"
    "-----END CERTIFICATE-----\n";

static const char ec_key[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIGjBgjSguM9ljVpU4QmGbTU7JgAOny/o/JIKeaAKRE4qoAoGCCqGSM49\n"
    "AwEHoUQDQgAESObxoLtMRhy9LfXAJ9Gc2GymcGg+P/SNJhiTt2QFFJUc86ZT+0u6\n"
    "+zJJm/GpYvWHFk9OFWFQ2iAMVGCYbMKpDA==\n"
    "-----END EC PRIVATE KEY-----\n";

static char dir[] = "/tmp/mta-unit-tls.XXXXXX";

static const char *
put(const char *name, const char *text)
{
	static char path[16][128];
	static int n;
	char *p = path[n++ % 16];
	FILE *fp;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	if ((fp = fopen(p, "w")) != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
	return p;
}

/* tls_conf_params() for the next session: server's and client's */
static const char *sp[3], *cp[3];
/* what the last session's client saw: tls_peer_status(), the names */
static int status;
static char peer_cn[64], peer_issuer[64];

/*
 * session - a server child with cert/key, our client with the CA file
 * (or none), name and verify; 1 when the line came back through TLS.
 * info gets the client's tls_session_info().
 */
static int
session(const char *cert, const char *key, const char *ca, const char *name,
    int verify, struct str *info)
{
	struct tls_conf *sc, *cc;
	struct str err = STR_INIT, line = STR_INIT;
	struct io io;
	int sv[2], st, ok = 0;
	const char *m[2] = { NULL, NULL };
	pid_t pid;

	str_init(&err);
	str_init(&line);
	str_reset(info);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	if ((pid = fork()) == 0) {
		close(sv[0]);
		sc = tls_server_conf(cert, key, "", &err);
		io_init(&io, sv[1], 10);
		if (sc && sp[0] && tls_conf_params(sc, sp[0], sp[1], sp[2],
		    &err) != 0)
			_exit(1);
		if (sc == NULL || tls_server_start(&io, NULL, sc, &err) < 0)
			_exit(1);
		if (io_getline(&io, &line, 100) > 0) {
			io_puts(&io, "echo ");
			io_write(&io, line.s, line.len);
			io_flush(&io);
		}
		tls_stop(&io);
		_exit(0);
	}
	close(sv[1]);
	cc = tls_client_conf(ca, NULL, &err);
	io_init(&io, sv[0], 10);
	status = -1;
	peer_cn[0] = peer_issuer[0] = 0;
	if (cc && cp[0] && tls_conf_params(cc, cp[0], cp[1], cp[2],
	    &err) != 0) {
		tls_conf_free(cc);
		cc = NULL;
	}
	m[0] = name;
	if (cc && tls_client_start(&io, cc, name, verify ? m : NULL,
	    &err) == 0) {
		str_set(info, tls_session_info(&io));
		status = tls_peer_status(&io);
		tls_peer_names(&io, peer_cn, sizeof(peer_cn), peer_issuer,
		    sizeof(peer_issuer));
		io_puts(&io, "hello\r\n");
		io_flush(&io);
		ok = io_getline(&io, &line, 100) > 0 &&
		    strcmp(line.s, "echo hello\r\n") == 0;
		tls_stop(&io);
	} else {
		str_set(info, err.s ? err.s : "");
	}
	close(sv[0]);
	waitpid(pid, &st, 0);
	tls_conf_free(cc);
	io_free(&io);
	str_free(&err);
	str_free(&line);
	return ok;
}

int
main(void)
{
	struct str info = STR_INIT, err = STR_INIT;
	const char *ca, *rc, *rk, *ec, *ek, *bad;

	signal(SIGPIPE, SIG_IGN);
	str_init(&info);
	str_init(&err);
	if (mkdtemp(dir) == NULL)
		return 1;
	ca = put("ca.crt", ca_pem);
	rc = put("rsa.crt", rsa_crt);
	rk = put("rsa.key", rsa_key);
	ec = put("ec.crt", ec_crt);
	ek = put("ec.key", ec_key);
	bad = put("bad.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n"
	    "-----END CERTIFICATE-----\n");

	T_OK("RSA: verified session, data both ways",
	    session(rc, rk, ca, "mx.example.com", 1, &info));
	T_STR("RSA: session info", info.s,
	    "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)");
	T_OK("ECDSA: verified session",
	    session(ec, ek, ca, "mx.example.com", 1, &info));
	T_STR("ECDSA: session info", info.s, "TLSv1.2 with cipher "
	    "ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits)");
	T_OK("wrong host name refused",
	    !session(rc, rk, ca, "other.example.com", 1, &info));
	T_OK("wrong host name: a certificate error",
	    strstr(info.s, "hostname mismatch") != NULL);
	T_OK("unknown CA refused", !session(rc, rk, NULL, "mx.example.com", 1,
	    &info));
	T_OK("no verification: unknown CA and name accepted",
	    session(rc, rk, NULL, "other.example.com", 0, &info));
	T_OK("server without a key: no conf",
	    tls_server_conf(rc, "", "", &err) == NULL &&
	    strstr(err.s, "no private key") != NULL);
	T_OK("server with a missing file: no conf",
	    tls_server_conf(put("x", ""), "/nonexistent/k", "", &err) ==
	    NULL && strstr(err.s, "/nonexistent/k") != NULL);
	T_OK("bad PEM: no conf", tls_client_conf(bad, NULL, &err) == NULL);
	T_OK("chain_files: a key alone is not enough",
	    tls_server_conf("", "", put("all.pem", ec_key), &err) == NULL);
	{
		struct str all = STR_INIT;
		struct tls_conf *tc;

		str_init(&all);
		str_adds(&all, ec_key);
		str_adds(&all, ec_crt);
		str_adds(&all, ca_pem);
		tc = tls_server_conf("", "", put("all.pem", all.s), &err);
		T_OK("chain_files: key and chain in one file", tc != NULL);
		tls_conf_free(tc);
		str_free(&all);
	}

	/* what the client knows of the server's certificate */
	session(rc, rk, ca, "mx.example.com", 1, &info);
	T_OK("verified: TLS_PEER_VERIFIED", status == TLS_PEER_VERIFIED);
	T_STR("the peer's CN", peer_cn, "mx.example.com");
	T_STR("its issuer's CN", peer_issuer, "TestCA");
	T_OK("not verifying, known CA: TLS_PEER_TRUSTED",
	    session(rc, rk, ca, "other.example.com", 0, &info) &&
	    status == TLS_PEER_TRUSTED);
	T_OK("not verifying, unknown CA: TLS_PEER_UNTRUSTED",
	    session(rc, rk, NULL, "", 0, &info) &&
	    status == TLS_PEER_UNTRUSTED);
	T_OK("unknown CA, verifying: untrusted issuer named",
	    !session(rc, rk, put("ec-as-ca.crt", ec_crt), "mx.example.com",
	    1, &info) && strcmp(info.s, "untrusted issuer /CN=TestCA") == 0);

	/* tls_name_match(): Postfix's match list, RFC 6125 wildcards */
	{
		const char *mx[] = { "mx.example.com", NULL };
		const char *two[] = { "a.example.org", "mx.example.com", NULL };
		const char *dot[] = { ".example.com", NULL };
		const char *none[] = { NULL };

		T_OK("name: exact, any case", tls_name_match("MX.Example.COM",
		    mx));
		T_OK("name: the second of a list", tls_name_match(
		    "mx.example.com", two));
		T_OK("name: another is no match", !tls_name_match(
		    "mx.example.net", two));
		T_OK("name: *.example.com names mx.example.com",
		    tls_name_match("*.example.com", mx));
		T_OK("name: *.com does not name mx.example.com",
		    !tls_name_match("*.com", mx));
		T_OK("name: *.mx.example.com does not name mx.example.com",
		    !tls_name_match("*.mx.example.com", mx));
		T_OK("name: .example.com takes mx.example.com",
		    tls_name_match("mx.example.com", dot));
		T_OK("name: .example.com takes a.b.example.com",
		    tls_name_match("a.b.example.com", dot));
		T_OK("name: .example.com does not take example.com",
		    !tls_name_match("example.com", dot));
		T_OK("name: .example.com does not take badexample.com",
		    !tls_name_match("x.badexample.com", dot));
		T_OK("name: an empty list matches nothing",
		    !tls_name_match("mx.example.com", none));
	}

	/* PEM as found in the wild: CRLF, text around the objects */
	{
		struct str crlf = STR_INIT;
		const char *c;

		str_init(&crlf);
		str_adds(&crlf, "Subject: a CA\r\n\r\n");
		for (c = ca_pem; *c; c++) {
			if (*c == '\n')
				str_addc(&crlf, '\r');
			str_addc(&crlf, *c);
		}
		str_adds(&crlf, "trailing words\r\n");
		T_OK("PEM with CRLF and text around it: verified session",
		    session(rc, rk, put("crlf.pem", crlf.s), "mx.example.com",
		    1, &info));
		unlink(put("crlf.pem", ""));
		str_free(&crlf);
	}

	/* tls_conf_params() */
	{
		struct tls_conf *tc = tls_client_conf(NULL, NULL, &err);

		T_OK("protocols: a bad name", tls_conf_params(tc, "TLSv9",
		    "medium", "", &err) == -1 && strstr(err.s, "TLSv9"));
		T_OK("protocols: >=TLSv1.3 leaves none", tls_conf_params(tc,
		    ">=TLSv1.3", "medium", "", &err) == 1);
		T_OK("protocols: !TLSv1.2 is fine", tls_conf_params(tc,
		    "!SSLv2, !SSLv3, !TLSv1.2", "", "", &err) == 0);
		T_OK("ciphers: a bad grade", tls_conf_params(tc, "", "best",
		    "", &err) == -1);
		T_OK("ciphers: null leaves none", tls_conf_params(tc, "",
		    "null", "", &err) == 1);
		T_OK("ciphers: high without AES256, CHACHA20 leaves none",
		    tls_conf_params(tc, "", "high", "AES256:CHACHA20",
		    &err) == 1);
		T_OK("ciphers: exclusions of things never offered",
		    tls_conf_params(tc, "", "medium", "aNULL, RC4, 3DES, MD5",
		    &err) == 0);
		tls_conf_free(tc);
	}
	sp[0] = "<=TLSv1.1";
	T_OK("server <=TLSv1.1: a session", session(rc, rk, ca,
	    "mx.example.com", 1, &info));
	T_STR("server <=TLSv1.1: TLSv1.1, a CBC suite", info.s,
	    "TLSv1.1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)");
	cp[0] = ">=TLSv1.2";
	T_OK("client >=TLSv1.2, server <=TLSv1.1: no session",
	    !session(rc, rk, ca, "mx.example.com", 1, &info));
	sp[0] = "TLSv1, TLSv1.2";	/* a hole: the highest run wins */
	cp[0] = "TLSv1";
	T_OK("server TLSv1, TLSv1.2 (a hole): only TLSv1.2",
	    !session(rc, rk, ca, "mx.example.com", 1, &info));
	sp[0] = "TLSv1, TLSv1.1";
	T_OK("TLSv1 both sides: a session", session(rc, rk, ca,
	    "mx.example.com", 1, &info) && strncmp(info.s, "TLSv1 ", 6) == 0);
	sp[0] = "";
	sp[1] = "high";
	cp[0] = "";
	cp[2] = "AESGCM";
	T_OK("server high, client without AESGCM: ChaCha20",
	    session(rc, rk, ca, "mx.example.com", 1, &info) &&
	    strstr(info.s, "ECDHE-RSA-CHACHA20-POLY1305") != NULL);
	cp[2] = "AESGCM CHACHA20";
	T_OK("server high, client without AESGCM and ChaCha20: none",
	    !session(rc, rk, ca, "mx.example.com", 1, &info));
	sp[0] = cp[0] = NULL;

	unlink(put("ec-as-ca.crt", ""));
	unlink(ca); unlink(rc); unlink(rk); unlink(ec); unlink(ek);
	unlink(bad);
	unlink(put("x", ""));
	unlink(put("all.pem", ""));
	rmdir(dir);
	str_free(&info);
	str_free(&err);
	T_DONE();
}
