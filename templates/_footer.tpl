{{%AUTOESCAPE context="HTML"}}</main>
<footer class="foot">Holdpoint — approvals, sign-offs and the evidence behind them.</footer>
</body>
</html>
