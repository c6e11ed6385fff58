"""The master key and the keyset cache of the sensitive data core."""

from pathlib import Path

from config.env import env_int, env_str

# The master key (KEK) never lives in the database or the repository. The embedded default is a
# Tink keyset file in the user's data folder, created with mode 0600 on first use.
DEFAULT_MASTER_KEY_PATH = (
    Path(env_str("XDG_DATA_HOME") or Path.home() / ".local/share") / "sensitive-crm/master-key.json"
)
SENSITIVE_MASTER_KEY_URI = env_str("SENSITIVE_MASTER_KEY_URI") or f"file://{DEFAULT_MASTER_KEY_PATH}"
# How long unwrapped tenant keysets stay in a process's memory. Each call still checks the
# keyset version, so a rotation or a shredding is seen by every process on its next call.
SENSITIVE_KEYSET_CACHE_SECONDS = env_int("SENSITIVE_KEYSET_CACHE_SECONDS", 300)
# How long a rotation waits between adding a new key and making it primary, so that calls
# already under way in other processes (holding the old keyset) end first.
SENSITIVE_KEY_PROPAGATION_SECONDS = env_int("SENSITIVE_KEY_PROPAGATION_SECONDS", 10)
# Blind index length in bits; see sensitive/crypto.py for the leakage this implies.
SENSITIVE_BLIND_INDEX_BITS = env_int("SENSITIVE_BLIND_INDEX_BITS", 16)
