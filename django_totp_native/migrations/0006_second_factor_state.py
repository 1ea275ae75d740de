"""The per-user second-factor state: one row a user, locked first by every attempt."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('django_totp_native', '0005_translatable_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='SecondFactorState',
            fields=[
                ('user', models.OneToOneField(help_text='Whose second factor this is.', on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='second_factor_state', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ('failed_attempts', models.PositiveIntegerField(default=0, help_text='Code attempts since the last success; at TOTP_MAX_FAILURES the account is locked.', verbose_name='failed attempts')),
                ('next_attempt_at', models.DateTimeField(blank=True, help_text='Backoff: no code is checked before this time.', null=True, verbose_name='next attempt at')),
                ('challenge_issued', models.BigIntegerField(default=0, help_text='Sequence number of the last login challenge issued to this user (in the token).', verbose_name='challenge issued')),
                ('challenge_redeemed', models.BigIntegerField(default=0, help_text='Sequence number of the last login challenge that completed a login: it and every older challenge are spent (single-use challenge tokens).', verbose_name='challenge redeemed')),
                ('credential_generation', models.PositiveBigIntegerField(default=0, help_text='Raised to end every session and token issued before (disable, reset, recovery).', verbose_name='credential generation')),
            ],
            options={
                'verbose_name': 'second-factor state',
                'verbose_name_plural': 'second-factor states',
            },
        ),
    ]
