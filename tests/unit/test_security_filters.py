"""The filters that put secrets into Kafka's formats."""
import base64

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.streamops.kafka.plugins.filter.security import jaas_quote, properties_value, scram_credential


def test_jaas_quote_escapes_backslashes_then_quotes():
    assert jaas_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert jaas_quote("plain") == '"plain"'
    with pytest.raises(AnsibleFilterError):
        jaas_quote("two\nlines")


def test_properties_value_keeps_ascii_and_escapes_the_rest():
    assert properties_value("a=b:c#d") == "a=b:c#d"
    assert properties_value(" lead\\tab\t") == "\\ lead\\\\tab\\t"
    assert properties_value("é€𝄞") == "\\u00e9\\u20ac\\ud834\\udd1e"


def test_scram_credential_matches_kafkas_documented_example():
    # Kafka's documentation formats alice (password "alice") with this salt and salted password.
    arg = scram_credential("alice", "alice", "SCRAM-SHA-256", 8192, salt="MWx2NHBkbnc0ZndxN25vdGN4bTB5eTFrN3E=")
    assert arg == ('SCRAM-SHA-256=[name=alice,salt="MWx2NHBkbnc0ZndxN25vdGN4bTB5eTFrN3E=",'
                   'saltedpassword="mT0yyUUxnlJaC99HXgRTSYlbuqa4FSGtJCJfTMvjYCE=",iterations=8192]')


def test_scram_credential_random_salt_and_no_password_text():
    one, two = (scram_credential("s3cret!", "app", "SCRAM-SHA-512") for _ in range(2))
    assert one != two and "s3cret" not in one
    salted = one.split('saltedpassword="')[1].split('"')[0]
    assert len(base64.b64decode(salted)) == 64
    with pytest.raises(AnsibleFilterError):
        scram_credential("pw", "app", "PLAIN")
