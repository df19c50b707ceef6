"""The domain's errors as the web answers them: their own status, code and text, in the user's language first."""
from __future__ import annotations


def test_every_domain_error_answers_with_its_own_status_and_code(app, client, login_as):
    from engine.core.errors import DurableUnavailableError, UnknownDocumentError

    @app.get("/api/test/engine")
    def engine_gone():
        raise DurableUnavailableError("ImportError: no durable")

    @app.get("/test/document")
    def no_document():
        raise UnknownDocumentError("宁政发〔2020〕1号")

    login_as("official")
    gone = client.get("/api/test/engine")
    assert gone.status_code == 503 and gone.get_json()["error"]["code"] == "engine_unavailable"
    assert gone.get_json()["error"]["message_en"] == "durable-rules cannot be imported (ImportError: no durable)"
    page = client.get("/test/document").get_data(as_text=True)
    assert page.index("登记表中没有文号为 宁政发〔2020〕1号 的文件") < page.index("no document numbered 宁政发〔2020〕1号")
    english = client.get("/test/document?lang=en")
    assert english.status_code == 404
    page = english.get_data(as_text=True)
    assert page.index("no document numbered 宁政发〔2020〕1号") < page.index("登记表中没有文号为 宁政发〔2020〕1号 的文件")
