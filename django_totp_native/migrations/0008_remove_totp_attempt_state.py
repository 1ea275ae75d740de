"""The per-user facts now live on SecondFactorState (0006, moved by 0007)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("django_totp_native", "0007_move_attempt_state"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='totp',
            name='challenge_issued',
        ),
        migrations.RemoveField(
            model_name='totp',
            name='challenge_redeemed',
        ),
        migrations.RemoveField(
            model_name='totp',
            name='failed_attempts',
        ),
        migrations.RemoveField(
            model_name='totp',
            name='next_attempt_at',
        ),
    ]
