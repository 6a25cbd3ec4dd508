"""URL routes of the web's public pages (owned by one area; see web/urls.py)."""

from django.urls import URLPattern, path

from liuyanban.web.views import public_me, public_pages, public_write

urlpatterns: list[URLPattern] = [
    path("boards/<str:code>/", public_pages.board, name="board"),
    path("messages/<str:tracking>/", public_pages.message_detail, name="message"),
    path("messages/<str:tracking>/similar/", public_pages.message_similar, name="message_similar"),
    path("messages/<str:tracking>/support/", public_pages.support, name="support"),
    path("messages/<str:tracking>/evaluate/", public_pages.evaluate, name="evaluate"),
    path(
        "messages/<str:tracking>/rehandling/",
        public_pages.request_rehandling,
        name="request_rehandling",
    ),
    path("images/<int:pk>/", public_pages.image, name="image"),
    path("search/", public_pages.search_page, name="search"),
    path("write/", public_write.write, name="write"),
    path("write/boards/", public_write.board_suggest, name="board_suggest"),
    path("write/images/<str:token>/", public_write.draft_image, name="draft_image"),
    path("write/similar/", public_write.write_similar, name="write_similar"),
    path("write/done/<str:tracking>/", public_write.write_done, name="write_done"),
    path("me/messages/", public_me.my_messages, name="my_messages"),
    path("me/notifications/", public_me.notifications, name="notifications"),
    path("me/notifications/read/", public_me.notifications_read, name="notifications_read"),
]
