"""Filter tokens: the opaque stand-ins for sensitive filter values in index addresses."""

from sensitive import filter_tokens


def test_tokens_for_short_and_long_values_have_the_same_length(tenant_a_admin, salary):
    # given
    def token(value: str) -> str:
        return filter_tokens.filter_token_make(
            actor=tenant_a_admin, definition=salary, value=value, session_id="s" * 32
        )

    # then: the address does not tell a one-digit salary from a twenty-digit one
    assert len(token("1")) == len(token("1" * 20))


def test_a_token_opens_in_the_session_it_was_made_in(tenant_a_admin, salary):
    # given
    token = filter_tokens.filter_token_make(actor=tenant_a_admin, definition=salary, value="91250", session_id="a")

    # then
    assert filter_tokens.filter_token_read(actor=tenant_a_admin, definition=salary, token=token, session_id="a") == (
        "91250"
    )
