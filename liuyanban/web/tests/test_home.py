import pytest
from django.test import Client


@pytest.mark.django_db
def test_home_page_is_chinese_and_lists_the_directory(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'lang="zh-CN"' in text
    assert "机构目录" in text


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_it_switches(client: Client) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-CN"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_favicon_is_linked_and_answered(client: Client) -> None:
    from django.contrib.staticfiles import finders

    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.ico")
    assert finders.find("img/favicon.ico") and finders.find("img/favicon.svg")
