def test_spanish_is_the_default_language(client, db):
    body = client.get("/accounts/login/").content.decode()
    assert 'lang="es"' in body
    assert "Iniciar sesión en Postsale" in body


def test_english_on_request(client, db):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in body
    assert "Log in to Postsale" in body


def test_the_language_switcher_changes_the_language(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Log in to Postsale" in client.get("/accounts/login/").content.decode()
