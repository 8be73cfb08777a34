"""An asset as the portal and the API hand it out: its external link, or its file as an
attachment, each use counted for the partner acting (``services.record_asset_usage``)."""

from django.http import FileResponse, HttpResponseBase, HttpResponseRedirect

from prm.models import User

from ..models import Asset, AssetUsage
from . import services


def asset_response(asset: Asset, user: User) -> HttpResponseBase:
    if asset.is_link:
        services.record_asset_usage(asset=asset, user=user, action=AssetUsage.Action.LINK)
        return HttpResponseRedirect(asset.external_url)
    services.record_asset_usage(asset=asset, user=user, action=AssetUsage.Action.DOWNLOAD)
    return FileResponse(
        asset.file.open("rb"),
        as_attachment=True,
        filename=asset.original_filename,
        content_type=asset.content_type or "application/octet-stream",
    )
