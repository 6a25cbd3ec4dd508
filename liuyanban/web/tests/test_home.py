import pytest
from django.test import Client


@pytest.mark.django_db
def test_home_page_is_chinese_and_lists_the_directory(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'lang="zh-CN"' in text
    assert "机构目录" in text
