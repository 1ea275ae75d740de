# Added to the end of the Quick start's urls.py.
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns += [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline <script> for a strict CSP.
    path("api/schema/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema")),
]
