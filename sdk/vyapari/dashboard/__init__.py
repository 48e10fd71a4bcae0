"""The dashboard's static web app (``static/``: plain ES modules, no build step), served at ``/`` by
``vyapari api serve`` (:mod:`vyapari.api.static`) and uploaded to S3 behind CloudFront in AWS.

plotly.js is not kept here: the server answers ``/assets/plotly.min.js`` with the bundle the plotly
package ships, so the app works offline and matches the HTML reports' charts.
"""
