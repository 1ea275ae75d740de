"""Home page showing the visitor's 2FA state, a sign-up page, and one page that needs a verified session."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from django_totp_native.session.decorators import otp_required


def home(request):
    context = {}
    if request.user.is_authenticated:
        from django_totp_native.services import management

        context["status"] = management.status_of(request.user)
        context["verified"] = request.user.is_verified()
    return render(request, "demo_site/home.html", context)


@otp_required
def protected(request):
    return render(request, "demo_site/protected.html")


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        label="E-mail address",
        help_text="Where the recovery link goes if you lose your device (in this demo it is printed on the server console).",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        # Recovery finds the account by its e-mail address, so it must name one account.
        email = self.cleaned_data["email"]
        if get_user_model()._default_manager.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address exists already.")
        return email


@require_http_methods(["GET", "POST"])
def signup(request):
    """Create an ordinary account (never staff), sign it in and go on to set up 2FA."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your account was created and you are signed in. Now set up two-factor authentication.")
        return redirect("django_totp_native:enroll")
    return render(request, "demo_site/signup.html", {"form": form})
