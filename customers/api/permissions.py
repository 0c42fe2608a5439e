from rest_framework.permissions import DjangoModelPermissions

VIEW = "%(app_label)s.view_%(model_name)s"
CHANGE = "%(app_label)s.change_%(model_name)s"


class ModelPermissions(DjangoModelPermissions):
    """DRF's DjangoModelPermissions lets any signed-in user read; here reading needs the model's
    view permission too, so a user outside the Support and Manager roles gets 403, not the data.
    """

    perms_map = {**DjangoModelPermissions.perms_map, "GET": [VIEW], "HEAD": [VIEW]}


class ChangeOnPost(ModelPermissions):
    """For a POST action that changes an existing row (resolving a case), not one that adds."""

    perms_map = {**ModelPermissions.perms_map, "POST": [CHANGE]}
