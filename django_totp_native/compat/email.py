"""django-totp's ``email``: the recovery e-mails, one template with subject/text/html blocks.

The recovery service sends these classes (projects subclass them, as with django-totp).
"""

from django.conf import settings as django_settings
from django.core import mail
from django.template.context import make_context
from django.template.loader import get_template

from ..conf import conf
from ..services.recovery import encode_uid, recovery_token_generator
from . import lazy_names

__all__ = ["BaseEmailMessage", "TotpRecoveryEmail", "TotpDisabledEmail"]


class BaseEmailMessage(mail.EmailMultiAlternatives):
    """Renders the ``subject``, ``text_body`` and ``html_body`` blocks of ``template_name``."""

    template_name = None
    _blocks = {"subject": "subject", "text_body": "body", "html_body": "html"}

    def __init__(self, request=None, context=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.context = {} if context is None else dict(context)
        self.html = None

    def get_template_name(self):
        return self.template_name

    def get_context_data(self, **kwargs):
        context = dict(kwargs, **self.context)
        user = context.get("user")
        if user is None and self.request is not None:
            user = getattr(self.request, "user", None)
        context.update(
            {"domain": conf.DOMAIN, "protocol": conf.PROTOCOL, "site_name": conf.SITE_NAME, "user": user}
        )
        return context

    def render(self):
        template = get_template(self.get_template_name())
        context = make_context(self.get_context_data(), request=self.request)
        with context.bind_template(template.template):
            for node in template.template.nodelist:
                attr = self._blocks.get(getattr(node, "name", ""))
                if attr is not None:
                    setattr(self, attr, node.render(context).strip())
        self.subject = " ".join((self.subject or "").split())
        if self.body and self.html:
            self.attach_alternative(self.html, "text/html")
        elif self.html:
            self.body = self.html
            self.content_subtype = "html"

    def send(self, to, fail_silently=False, **kwargs):
        self.render()
        self.to = list(to)
        self.reply_to = kwargs.pop("reply_to", [])
        self.from_email = kwargs.pop("from_email", django_settings.DEFAULT_FROM_EMAIL)
        self.request = None
        return super().send(fail_silently=fail_silently)


class TotpRecoveryEmail(BaseEmailMessage):
    """Sent to a user who lost the TOTP device: a link that disables TOTP."""

    def get_template_name(self):
        return conf.RECOVERY_EMAIL_TEMPLATE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = context["user"]
        context["uid"] = encode_uid(user.pk)
        context["token"] = recovery_token_generator.make_token(user)
        context["url"] = conf.RECOVERY_CONFIRM_URL.format(uid=context["uid"], token=context["token"])
        return context


class TotpDisabledEmail(BaseEmailMessage):
    """Sent once TOTP has been disabled through recovery."""

    def get_template_name(self):
        return conf.DISABLED_EMAIL_TEMPLATE


#: django-totp's module constants, each read from the settings on every access.
LAZY_NAMES = {
    "TOTP_RECOVERY_EMAIL_TEMPLATE": lambda: conf.RECOVERY_EMAIL_TEMPLATE,
    "TOTP_DISABLED_EMAIL_TEMPLATE": lambda: conf.DISABLED_EMAIL_TEMPLATE,
    "TOTP_RECOVERY_CONFIRM_URL": lambda: conf.RECOVERY_CONFIRM_URL,
    "DEFAULT_DOMAIN": lambda: conf.DOMAIN,
    "DEFAULT_SITE_NAME": lambda: conf.SITE_NAME,
    "DEFAULT_PROTOCOL": lambda: conf.PROTOCOL,
    "DEFAULT_FROM_EMAIL": lambda: django_settings.DEFAULT_FROM_EMAIL,
}
__getattr__ = lazy_names(__name__, LAZY_NAMES)
