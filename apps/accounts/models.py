from django.contrib.auth.models import AbstractUser

CONTENT_EDITORS = "Content editors"
SALES = "Sales"


class User(AbstractUser):
    """A staff member: an engineer who edits content or a salesperson who follows leads."""

    def in_group(self, name: str) -> bool:
        return self.is_superuser or self.groups.filter(name=name).exists()

    def is_sales(self) -> bool:
        return self.in_group(SALES)

    def is_content_editor(self) -> bool:
        return self.in_group(CONTENT_EDITORS)
