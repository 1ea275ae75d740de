"""The credential that made a change of generation survives it (issue 18 item 5)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('django_totp_native', '0008_remove_totp_attempt_state'),
    ]

    operations = [
        migrations.AddField(
            model_name='secondfactorstate',
            name='surviving_credential',
            field=models.CharField(blank=True, default='', help_text='Id of the token family that made the last change of generation, which it survives (the caller of a disable is not signed out by it); empty: none.', max_length=32, verbose_name='surviving credential'),
        ),
    ]
