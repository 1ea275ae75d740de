"""The control endpoint: a DRF view that does nothing, identical on both sides.

Its requests/s ratio between the contenders should be 1.0; when it strays, the machine
was busier during one contender's batches and the run is flagged as noisy.
"""

from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class NoopView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        return Response({"ok": True})
