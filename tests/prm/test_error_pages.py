"""Errors look like the portal, not like a server default."""


def test_a_missing_page_uses_the_portal_layout(client_for, acme_rep, settings):
    settings.DEBUG = False
    response = client_for(acme_rep).get("/deals/999999/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_a_refused_page_explains_itself(client_for, acme_rep, settings):
    settings.DEBUG = False
    response = client_for(acme_rep).get("/partners/applications/")
    assert response.status_code == 403
    assert "This page is not for your role" in response.content.decode()


def test_the_server_error_page_renders_on_its_own():
    from django.template.loader import render_to_string

    assert "Something went wrong on our side" in render_to_string("500.html")
