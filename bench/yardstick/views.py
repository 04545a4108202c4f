"""The yardstick: the least a DRF endpoint can do to store one row of a request.

Token authentication (as the incident API), JSON parsing, a serializer that validates two
fields, one INSERT in autocommit (one durable commit), a small JSON answer.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Ping


class PingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ping
        fields = ["id", "key", "title", "created_at"]


class PingView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = {
            "key": request.headers.get("Idempotency-Key", ""),
            "title": request.data.get("title"),
        }
        serializer = PingSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data, status=status.HTTP_201_CREATED)
