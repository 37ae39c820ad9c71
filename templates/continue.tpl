{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<meta http-equiv="refresh" content="0;url={{NEXT}}">
<section class="card narrow">
  <h1>{{TITLE_TEXT}}</h1>
  <p>{{MESSAGE}}</p>
  <p><a class="button primary" id="continue" href="{{NEXT}}">Continue</a></p>
</section>
{{>FOOTER}}
