"""The web chat and the HTTP JSON API, served by one process (``python app.py``).

- :mod:`treatyqa.web.i18n`: the interface strings in Kazakh and Russian;
- :mod:`treatyqa.web.render`: answers and articles as safe HTML;
- :mod:`treatyqa.web.feedback`: the JSON Lines feedback store;
- :mod:`treatyqa.web.ui`: the Gradio Blocks;
- :mod:`treatyqa.web.http`: the FastAPI routes (``POST /api/ask``);
- :mod:`treatyqa.web.server`: both in one app, run with uvicorn.

Submodules are imported on use: gradio and the model load only when the app starts.
"""
