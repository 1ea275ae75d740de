"""Form widgets shared by the session pages and the admin's code step."""

from django import forms


class CodeInput(forms.TextInput):
    """A text input that never renders a submitted value: a rejected code is not echoed back."""

    def format_value(self, value):
        return None
