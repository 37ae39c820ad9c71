"""idp_serve.py — the test LDAP directory for the browser journeys, driven over stdin/stdout.

    python3 idp_serve.py ldap '{"people": [["lena", "Lena L", "lena@example.com", "pw"]], "groups": {"g": ["lena"]}}'

prints one JSON line {"env": {HOLDPOINT_LDAP_*...}} once slapd answers, then reads commands, one per
line ("remove_member GROUP UID", "add_member GROUP UID", "delete_person UID"), answering "ok" or
"error ...", and stops slapd and removes its files when stdin closes (the journey ended, or died).
"""
import json
import sys

from idp import Slapd


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "ldap":
        sys.exit(__doc__)
    spec = json.loads(sys.argv[2])
    ldap = Slapd().start()
    try:
        for uid, name, mail, pw in spec.get("people", []):
            ldap.add_person(uid, name, mail, pw)
        for cn, members in spec.get("groups", {}).items():
            ldap.add_group(cn, members)
        print(json.dumps({"env": ldap.env()}), flush=True)
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            try:
                getattr(ldap, words[0])(*words[1:]) if words[0] in ("remove_member", "add_member", "delete_person") \
                    else (_ for _ in ()).throw(ValueError("unknown command " + words[0]))
                print("ok", flush=True)
            except Exception as e:                       # the journey reads the answer and fails with it
                print("error %s" % e, flush=True)
    finally:
        ldap.stop()


if __name__ == "__main__":
    main()
