#!/usr/bin/env python3
"""moto_ctl.py - drive a moto_server on 127.0.0.1 for sesmail's tests.

  moto_ctl.py wait URL [SECONDS]       wait until moto answers
  moto_ctl.py setup URL KEYFILE SENDER...
        create IAM user "sesmail" with a policy allowing ses:*, create an
        access key for it (written to KEYFILE as "ID SECRET"), turn on
        moto's signature and IAM checking (POST 0 to /moto-api/reset-auth),
        then verify each SENDER with SES VerifyEmailIdentity, signed with
        the new key (so the checking itself is exercised)
  moto_ctl.py guard PID PARENT SECONDS
        stop moto (PID) when PARENT is gone or after SECONDS, whichever
        comes first (moto itself has no idle timeout)
  moto_ctl.py messages URL             the SES messages moto stored, as a
                                       JSON list of {id, source,
                                       destinations, raw_data}
  moto_ctl.py setup-sts URL DIR SENDER...
        for the credentials tests: what setup does, and more users and
        roles, all in account 123456789012:
          user "sesmail"  ses:* and sts:*          key in DIR/user.key
          user "assumer"  sts:AssumeRole only      key in DIR/assumer.key
          role "sesmail-sender"  ses:SendRawEmail, ses:SendEmail
          role "instance-role"   sts:AssumeRole only
        keys are written as "ID SECRET"
  moto_ctl.py assume URL KEYFILE ROLE_ARN OUT
        AssumeRole with the key in KEYFILE; write the credentials to OUT
        as a JSON list for fake_imds.py --creds
  moto_ctl.py allow-unsigned URL N     the next N requests need no
                                       signature (AssumeRoleWithWebIdentity
                                       is unsigned), later ones do again
  moto_ctl.py assumed URL              the roles assumed so far, as a JSON
                                       list of {role_arn, session_name,
                                       external_id, policy, access_key_id}
                                       (never a secret)

Needs boto3 (moto[server] depends on it). Talks to URL only, which must
be a loopback address.
"""
import json
import os
import sys
import time
import urllib.request
from urllib.parse import urlparse

REGION = "us-east-1"
# Any key works while moto's checking is off (before reset-auth).
BOOT_KEY = ("AKIAMOTOBOOTSTRAP001", "motoBootstrapSecretNotUsedAnywhere000000")


def loopback_only(url):
    host = urlparse(url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        sys.exit("moto_ctl: refusing a non-loopback URL: %s" % url)


def client(url, service, key):
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_CONFIG_FILE"] = "/dev/null"
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    import boto3
    return boto3.client(service, region_name=REGION, endpoint_url=url,
                        aws_access_key_id=key[0], aws_secret_access_key=key[1])


def cmd_wait(url, seconds=30.0):
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/moto-api/data.json", timeout=2) as r:
                r.read()
                return 0
        except OSError:
            time.sleep(0.2)
    sys.stderr.write("moto_ctl: no answer from %s within %s s\n" % (url, seconds))
    return 1


def allow(actions):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    })


def make_user(iam, name, actions, keyfile):
    """An IAM user allowed actions; its new key goes to keyfile."""
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="allow",
                        PolicyDocument=allow(actions))
    ak = iam.create_access_key(UserName=name)["AccessKey"]
    key = (ak["AccessKeyId"], ak["SecretAccessKey"])
    fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("%s %s\n" % key)
    return key


def make_role(iam, name, actions):
    trust = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:*",
                       "Principal": {"AWS": "*"}}],
    })
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=name, PolicyName="allow",
                        PolicyDocument=allow(actions))


def reset_auth(url, n):
    """Check signatures after the next n requests (0: from now on)."""
    req = urllib.request.Request(url + "/moto-api/reset-auth", data=str(n).encode(),
                                 headers={"Content-Type": "text/plain"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        if json.load(r).get("status") != "ok":
            sys.exit("moto_ctl: reset-auth did not answer ok")


def cmd_setup(url, keyfile, senders, extra=None):
    iam = client(url, "iam", BOOT_KEY)
    key = make_user(iam, "sesmail", "ses:*" if extra is None else ["ses:*", "sts:*"],
                    keyfile)
    if extra is not None:
        extra(iam)
    reset_auth(url, 0)
    # From here every call must be signed by an IAM key moto knows.
    try:
        client(url, "ses", BOOT_KEY).list_identities()
        sys.exit("moto_ctl: signature checking is not on (unknown key accepted)")
    except Exception as e:  # noqa: BLE001 - botocore's ClientError
        if "InvalidClientTokenId" not in str(e):
            raise
    ses = client(url, "ses", key)
    for s in senders:
        ses.verify_email_identity(EmailAddress=s)
    return 0


def cmd_setup_sts(url, outdir, senders):
    def extra(iam):
        make_user(iam, "assumer", "sts:AssumeRole", os.path.join(outdir, "assumer.key"))
        make_role(iam, "sesmail-sender", ["ses:SendRawEmail", "ses:SendEmail"])
        make_role(iam, "instance-role", "sts:AssumeRole")
    return cmd_setup(url, os.path.join(outdir, "user.key"), senders, extra)


def cmd_assume(url, keyfile, role_arn, out):
    with open(keyfile) as f:
        key = tuple(f.read().split())
    cr = client(url, "sts", key).assume_role(
        RoleArn=role_arn, RoleSessionName="moto-ctl")["Credentials"]
    doc = [{"AccessKeyId": cr["AccessKeyId"], "SecretAccessKey": cr["SecretAccessKey"],
            "Token": cr["SessionToken"], "expires_in": 3600}]
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)
    return 0


def cmd_assumed(url):
    with urllib.request.urlopen(url + "/moto-api/data.json", timeout=10) as r:
        data = json.load(r)
    roles = data.get("sts", {}).get("AssumedRole", [])
    json.dump([{k: a.get(k) for k in ("role_arn", "session_name", "external_id",
                                      "policy", "access_key_id")} for a in roles],
              sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


def cmd_messages(url):
    with urllib.request.urlopen(url + "/moto-api/data.json", timeout=10) as r:
        data = json.load(r)
    msgs = data.get("ses", {}).get("RawMessage", [])
    json.dump([{k: m.get(k) for k in ("id", "source", "destinations", "raw_data")}
               for m in msgs], sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


def cmd_guard(pid, parent, seconds):
    import signal
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return 0  # moto is gone already
        try:
            os.kill(parent, 0)
        except OSError:
            break
        time.sleep(1)
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "guard":
        return cmd_guard(int(argv[2]), int(argv[3]), argv[4])
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, url = argv[1], argv[2].rstrip("/")
    loopback_only(url)
    if cmd == "wait":
        return cmd_wait(url, *argv[3:4])
    if cmd == "setup" and len(argv) >= 4:
        return cmd_setup(url, argv[3], argv[4:])
    if cmd == "messages":
        return cmd_messages(url)
    if cmd == "setup-sts" and len(argv) >= 4:
        return cmd_setup_sts(url, argv[3], argv[4:])
    if cmd == "assume" and len(argv) == 6:
        return cmd_assume(url, argv[3], argv[4], argv[5])
    if cmd == "allow-unsigned" and len(argv) == 4:
        reset_auth(url, int(argv[3]))
        return 0
    if cmd == "assumed":
        return cmd_assumed(url)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
