import pytest
from django.core.exceptions import ImproperlyConfigured

from postsale.lib import env


def test_envbool_reads_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env.envbool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env.envbool("X_FLAG", True) is False
    monkeypatch.delenv("X_FLAG")
    assert env.envbool("X_FLAG", True) is True


def test_envbool_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env.envbool("X_FLAG", False)


def test_envint_refuses_words(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        env.envint("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "10")
    assert env.envint("X_NUM", 1) == 10


def test_envlist_splits_on_commas(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert env.envlist("X_HOSTS", []) == ["a.example", "b.example"]


def test_secret_key_is_required_without_debug(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env.secret_key(debug=False, var_dir=tmp_path)


def test_secret_key_is_generated_once_in_debug(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env.secret_key(debug=True, var_dir=tmp_path)
    assert len(first) >= 50
    assert env.secret_key(debug=True, var_dir=tmp_path) == first
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert env.secret_key(debug=False, var_dir=tmp_path) == "from-env"
